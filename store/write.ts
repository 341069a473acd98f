// Writing the state (README, "State file": Atomic, Journal), under the lock: the snapshot replaces the state file
// atomically, then the name events are appended to the journal that `netns monitor` follows.
//
// - Every byte or nothing: a file is written to a temp beside it, each write's count checked (a
//   short write, as on a full filesystem, is an error), fsynced, renamed over the file, and the
//   directory fsynced. Any failure removes the temp and leaves the old file (write-file-atomic
//   7.0.1, used before, ignored a short count and renamed a truncated file into place).
// - The state and its journal change together: when the journal cannot take the events, the
//   state is put back (a hard link kept the old one), so a failed command leaves both as they were.
// - Temps are named `.FILE.tmp-PID-STARTTIME-NONCE`. Only the lock holder makes them, so a writer
//   killed with one left behind left its lock too: the writer that takes that lock over removes
//   them (lock.ts).
// - A new state or journal is created owner-only (0600, whatever the umask); a rewritten one keeps
//   its mode (and, for root, its owner).
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fsyncSync,
  linkSync,
  openSync,
  renameSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { dirname } from 'node:path';
import type { NameEvent } from '../lib/run_netns.js';
import type { KernelState } from '../lib/state.js';
import { errnoCode, errnoError, fsFailure } from './errors.js';
import { journalPath, openRegular, readRegularWithStat, resolveState, tempPath, unlinkQuietly } from './paths.js';
import { encodeSnapshot } from './snapshot.js';

/** Past this size the journal is cut to its newer half: monitors only ever read its end. */
const JOURNAL_LIMIT = 256 * 1024;

/** Mode of a file ipsim creates: the state lists what a user did, for that user only. */
const NEW_FILE_MODE = 0o600;

/** write(2) until every byte is out; a write that makes no progress is a full device. */
function writeAll(fd: number, data: Buffer): void {
  for (let done = 0; done < data.length; ) {
    const n = writeSync(fd, data, done, data.length - done);
    if (n <= 0) throw errnoError('ENOSPC');
    done += n;
  }
}

/** fsync(2) of a directory, so that a rename in it survives a crash. */
function syncDir(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } catch (err) {
    // Some filesystems cannot sync a directory; the rename is then as durable as they make it.
    if (errnoCode(err) !== 'EINVAL') throw err;
  } finally {
    closeSync(fd);
  }
}

/** The file's stat (following links), undefined when it does not exist; a non-regular file is refused. */
function existing(file: string, action: string): Stats | undefined {
  const found = openRegular(file, action);
  if (found === undefined) return undefined;
  closeSync(found.fd);
  return found.stat;
}

/**
 * Writes `data` to a new temp file beside `file`, complete and fsynced, with the mode (and owner)
 * of `old` or else 0600; returns the temp's path. On failure nothing is left behind.
 */
function writeTemp(file: string, data: Buffer, old: Stats | undefined, action: string): string {
  const temp = tempPath(file);
  let fd: number | undefined;
  try {
    fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, NEW_FILE_MODE);
    // fchmod, not the open's mode: the umask must neither widen nor narrow what is kept.
    fchmodSync(fd, old ? old.mode & 0o7777 : NEW_FILE_MODE);
    if (old && process.getuid?.() === 0) fchownSync(fd, old.uid, old.gid);
    writeAll(fd, data);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    return temp;
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    unlinkQuietly(temp);
    throw fsFailure(err, file, action);
  }
}

/** Replaces `file` with `data` atomically: temp, fsync, rename, fsync of the directory. */
export function replaceFile(file: string, data: Buffer, old: Stats | undefined, action: string): void {
  const temp = writeTemp(file, data, old, action);
  try {
    renameSync(temp, file);
  } catch (err) {
    unlinkQuietly(temp);
    throw fsFailure(err, file, action);
  }
  try {
    syncDir(dirname(file));
  } catch (err) {
    throw fsFailure(err, file, action);
  }
}

/** Seq of the journal's last complete line (0 for none). */
function journalEnd(text: Buffer): number {
  const lines = text.subarray(Math.max(0, text.length - 4096)).toString('utf8').split('\n').filter((l) => l.length > 0);
  const last = lines[lines.length - 1];
  const match = last === undefined ? null : /^\{"seq":(\d+),/.exec(last);
  return match ? Number(match[1]) : 0;
}

/**
 * One `{"seq":N,"ev":"…","name":"…"}` line per event (JSON.stringify of that object, written out),
 * the first with seq `first`. Lines are made newest first, and only until they pass JOURNAL_LIMIT:
 * appendJournal then keeps fewer than half of it, newest lines only, so older ones would be dropped
 * unread (a 10,000-line batch makes about 6,500).
 */
function journalLines(first: number, events: readonly NameEvent[]): Buffer {
  const lines: string[] = [];
  let bytes = 0;
  for (let i = events.length - 1; i >= 0 && bytes <= JOURNAL_LIMIT; i -= 1) {
    const e = events[i]!;
    const line = `{"seq":${first + i},"ev":"${e.ev}","name":${JSON.stringify(e.name)}}\n`;
    lines.push(line);
    bytes += Buffer.byteLength(line);
  }
  return Buffer.from(lines.reverse().join(''));
}

/**
 * Appends name events to the journal of the state at `path`: all of them or none. The journal is
 * replaced as the state is (temp, fsync, rename), not appended to in place: an append of more than
 * a page can be cut short by a SIGKILL (the kernel checks for fatal signals between pages), which
 * would leave half a line behind. Past JOURNAL_LIMIT only the newer half is kept, whole lines; seq
 * goes on rising, so a monitor skips what it saw.
 */
export function appendJournal(path: string, events: readonly NameEvent[]): void {
  if (events.length === 0) return;
  const file = journalPath(path);
  const action = 'write journal';
  const found = readRegularWithStat(file, action);
  const old = found?.bytes ?? Buffer.alloc(0);
  const kept = Buffer.concat([old, journalLines(journalEnd(old) + 1, events)]);
  const data = kept.length > JOURNAL_LIMIT ? kept.subarray(kept.indexOf(0x0a, kept.length - JOURNAL_LIMIT / 2) + 1) : kept;
  replaceFile(file, data, found?.stat, action);
}

/**
 * Writes the state file at `path` (through any symlinks) and appends its name events to the
 * journal, under the lock. On failure (a StateFileError naming the file and the reason) the state
 * and the journal are as they were.
 */
export function writeState(path: string, state: KernelState, events: readonly NameEvent[] = []): void {
  // A command never leaves a state the loader would refuse: encoding checks it, and a failure is a
  // bug (exit 70).
  const bytes = Buffer.from(encodeSnapshot(state));
  const file = resolveState(path);
  const action = 'write state file';
  const dir = dirname(file);
  // The directory is there: the lock, beside the state, was taken in it.
  const old = existing(file, action);
  const temp = writeTemp(file, bytes, old, action);
  // The old state, kept by a second name until the journal has the events.
  let backup: string | undefined;
  try {
    if (events.length > 0 && old) {
      backup = tempPath(file);
      linkSync(file, backup);
    }
    renameSync(temp, file);
  } catch (err) {
    unlinkQuietly(temp);
    if (backup !== undefined) unlinkQuietly(backup);
    throw fsFailure(err, file, action);
  }
  try {
    // After the rename: a monitor's reader that reacts to an event finds the state.
    appendJournal(file, events);
  } catch (err) {
    // Put the old state back (or none, if there was none): the command failed as a whole.
    try {
      if (backup !== undefined) renameSync(backup, file);
      else unlinkSync(file);
    } catch (undo) {
      throw fsFailure(undo, file, action);
    }
    throw fsFailure(err, file, action);
  }
  if (backup !== undefined) unlinkQuietly(backup);
  // The journal's replacement fsynced the directory after both renames; only the backup's removal
  // is left unsynced, and a backup a crash leaves behind is a dead writer's temp, removed later.
  if (events.length > 0) return;
  try {
    syncDir(dir);
  } catch (err) {
    throw fsFailure(err, dir, 'write directory');
  }
}
