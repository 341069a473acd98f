// Writing the state: atomically (write-file-atomic: temp file, fsync, rename), so a crash leaves
// the old or the new snapshot, never a torn one; then the journal of /run/netns events that
// `netns monitor` follows (contract §9.8), appended after the rename.
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { NameEvent } from '../lib/net_namespace.js';
import type { KernelState } from '../lib/state.js';
import { journalPath } from './paths.js';
import { assertConsistent, encodeSnapshot } from './snapshot.js';

export function writeState(path: string, state: KernelState): void {
  assertConsistent(state);
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic.sync(path, encodeSnapshot(state));
}

/** Past this size the journal is cut to its newer half: monitors only ever read its end. */
const JOURNAL_LIMIT = 256 * 1024;

/** The seq of the journal's last complete line, 0 for none. */
function lastSeq(path: string): { seq: number; size: number } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return { seq: 0, size: 0 };
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, 4096);
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, size - length);
    const lines = buf.toString('utf8').split('\n').filter((l) => l.length > 0);
    const last = lines[lines.length - 1];
    const match = last === undefined ? null : /^\{"seq":(\d+),/.exec(last);
    return { seq: match ? Number(match[1]) : 0, size };
  } finally {
    closeSync(fd);
  }
}

/** Appends name events under the lock, after the state was renamed into place. */
export function appendJournal(path: string, events: readonly NameEvent[]): void {
  if (events.length === 0) return;
  const file = journalPath(path);
  const { seq, size } = lastSeq(file);
  const lines = events.map((e, i) => `${JSON.stringify({ seq: seq + i + 1, ev: e.ev, name: e.name })}\n`).join('');
  if (size + Buffer.byteLength(lines) > JOURNAL_LIMIT) {
    // Keep the newer half, whole lines only; seq goes on rising, so a monitor skips what it saw.
    const kept = ((size > 0 ? readFileSync(file, 'utf8') : '') + lines).slice(-JOURNAL_LIMIT / 2);
    writeFileAtomic.sync(file, kept.slice(kept.indexOf('\n') + 1));
  } else {
    writeFileSync(file, lines, { flag: 'a' });
  }
}
