// Where the state lives and how it is read and written: atomically (write-file-atomic: temp file,
// fsync, rename), so a crash leaves the old or the new snapshot, never a torn one; plus the
// journal of /run/netns events that `netns monitor` follows (contract §9.8).
import { closeSync, openSync, readFileSync, readSync, fstatSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import writeFileAtomic from 'write-file-atomic';
import type { NameEvent } from '../lib/net_namespace.js';
import type { KernelState } from '../lib/state.js';
import { decodeSnapshot, encodeSnapshot, SnapshotError } from './snapshot.js';

/** A state file that cannot be used: reported with its path, exit 1, never overwritten. */
export class StateFileError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`Error: cannot use state file "${path}": ${reason}`);
    this.name = 'StateFileError';
  }
}

/** --state FILE, else $IPSIM_STATE, else $XDG_STATE_HOME/ipsim/state.json (contract §1). */
export function statePath(option: string | undefined, env: NodeJS.ProcessEnv): string {
  if (option !== undefined) return resolve(option);
  if (env.IPSIM_STATE) return resolve(env.IPSIM_STATE);
  const base = env.XDG_STATE_HOME ? env.XDG_STATE_HOME : join(homedir(), '.local', 'state');
  return resolve(base, 'ipsim', 'state.json');
}

export function journalPath(path: string): string {
  return `${path}.events`;
}

/** The snapshot at path, or undefined when there is none yet. */
export function readState(path: string): KernelState | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return undefined;
    throw new StateFileError(path, e.message.replace(/^[A-Z]+: /, '').replace(/, open '.*'$/, ''));
  }
  try {
    return decodeSnapshot(text);
  } catch (err) {
    if (err instanceof SnapshotError) throw new StateFileError(path, err.message);
    throw err;
  }
}

export function writeState(path: string, state: KernelState): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic.sync(path, encodeSnapshot(state));
}

/** Removes the state and its journal; true if either existed. */
export function removeState(path: string): void {
  for (const file of [path, journalPath(path)]) {
    try {
      unlinkSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
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
  if (size + lines.length > JOURNAL_LIMIT) {
    const kept = readFileSync(file, 'utf8').slice(-JOURNAL_LIMIT / 2);
    writeFileAtomic.sync(file, kept.slice(kept.indexOf('\n') + 1) + lines);
  } else {
    writeFileSync(file, lines, { flag: 'a' });
  }
}
