// Where the state lives (README, "State file"), the files beside it (its lock, its journal, the
// temporary files of writers), and the file a symlinked state really is.
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, readlinkSync, realpathSync, statSync, unlinkSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { errnoCode, errnoError, fsFailure, StateFileError } from './errors.js';
import { selfIdentity } from './procfs.js';

/** --state FILE, else $IPSIM_STATE, else $XDG_STATE_HOME/ipsim/state.json. */
export function statePath(option: string | undefined, env: NodeJS.ProcessEnv): string {
  if (option !== undefined) return resolve(option);
  if (env.IPSIM_STATE) return resolve(env.IPSIM_STATE);
  // node:os only when it is needed: a command with --state or IPSIM_STATE does not load it.
  const base = env.XDG_STATE_HOME ? env.XDG_STATE_HOME : join(process.getBuiltinModule('node:os').homedir(), '.local', 'state');
  return resolve(base, 'ipsim', 'state.json');
}

/** Linux's MAXSYMLINKS: past this many links in a chain, path resolution fails with ELOOP. */
const MAXSYMLINKS = 40;

/**
 * The file the state at `path` really is: every symlink followed, so that writers through a link
 * and through its target take one lock and write one file. For a dangling link this is the file
 * the chain ends at, which the first write creates (the link itself is never replaced).
 */
export function resolveState(path: string): string {
  let file = path;
  for (let hops = 0; ; hops++) {
    try {
      return realpathSync.native(file);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw fsFailure(err, path, 'use state file');
    }
    // Something is missing: follow the last component by hand while it is a link.
    let link: string | undefined;
    try {
      if (lstatSync(file).isSymbolicLink()) link = readlinkSync(file);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw fsFailure(err, path, 'use state file');
    }
    // Not a link: the file is missing (its directory may be too; the first write makes them).
    if (link === undefined) return join(resolveState(dirname(file)), basename(file));
    if (hops >= MAXSYMLINKS) throw fsFailure(errnoError('ELOOP'), path, 'use state file');
    file = resolve(dirname(file), link);
  }
}

/**
 * What is at path (`follow`: through a symlink): undefined when nothing is, null when it cannot be
 * told (the operation that follows reports why). For a question whose answer is nearly always the
 * same, so that the usual answer costs no error thrown.
 */
export function entryAt(path: string, follow: boolean): Stats | undefined | null {
  try {
    return (follow ? statSync : lstatSync)(path, { throwIfNoEntry: false });
  } catch {
    return null;
  }
}

/**
 * mkdir -p of the state's directory. By hand, because Node's recursive mkdirSync reports ENOENT
 * where the kernel said EROFS (or EACCES) for the missing component.
 */
export function makeDir(dir: string): void {
  // A directory that exists is what nearly every write finds; any other answer is mkdir's to report.
  if (entryAt(dir, true)?.isDirectory()) return;
  try {
    mkdirSync(dir);
    return;
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') {
      let isDir: boolean;
      try {
        isDir = statSync(dir).isDirectory();
      } catch (e) {
        throw fsFailure(e, dir, 'create directory');
      }
      if (isDir) return;
      throw fsFailure(errnoError('ENOTDIR'), dir, 'create directory');
    }
    if (errnoCode(err) !== 'ENOENT' || dirname(dir) === dir) throw fsFailure(err, dir, 'create directory');
  }
  makeDir(dirname(dir));
  try {
    mkdirSync(dir);
  } catch (err) {
    if (errnoCode(err) !== 'EEXIST') throw fsFailure(err, dir, 'create directory');
  }
}

/**
 * Opens an existing file of the state (the state, its journal, its lock) without blocking, and
 * checks it is a regular file: a FIFO would block an open or a read forever, a directory cannot be
 * one. Undefined when it does not exist. `noFollow`: a symlink is not a regular file either.
 */
export function openRegular(file: string, action: string, flags = constants.O_RDONLY, noFollow = false): { fd: number; stat: Stats } | undefined {
  let fd: number;
  try {
    fd = openSync(file, flags | constants.O_NONBLOCK | (noFollow ? constants.O_NOFOLLOW : 0));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    if (noFollow && errnoCode(err) === 'ELOOP') throw new StateFileError(file, 'not a regular file', action);
    throw fsFailure(err, file, action);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw fsFailure(errnoError('EISDIR'), file, action);
    if (!stat.isFile()) throw new StateFileError(file, 'not a regular file', action);
    return { fd, stat };
  } catch (err) {
    closeSync(fd);
    throw fsFailure(err, file, action);
  }
}

/** The bytes of an existing regular file of the state (see openRegular), undefined when it does not exist. */
export function readRegular(file: string, action: string, noFollow = false): Buffer | undefined {
  return readRegularWithStat(file, action, noFollow)?.bytes;
}

/** readRegular, with the stat of the file read (a writer keeps its mode). */
export function readRegularWithStat(file: string, action: string, noFollow = false): { bytes: Buffer; stat: Stats } | undefined {
  const found = openRegular(file, action, constants.O_RDONLY, noFollow);
  if (found === undefined) return undefined;
  try {
    return { bytes: readFileSync(found.fd), stat: found.stat };
  } catch (err) {
    throw fsFailure(err, file, action);
  } finally {
    closeSync(found.fd);
  }
}

/** The journal of name events beside the state file it records (the resolved one). */
export function journalPath(path: string): string {
  return `${resolveState(path)}.events`;
}

/** The shell's history beside the state file it was typed against (the resolved one). */
export function historyPath(path: string): string {
  return `${resolveState(path)}.history`;
}

/** The lock of the state file, beside the resolved file. */
export function lockPath(resolved: string): string {
  return `${resolved}.lock`;
}

let counter = 0;

/**
 * Unique within this process: the monotonic clock and a counter. With the pid and start time beside
 * it, no two lock lines or temp names are ever equal (and no crypto module is loaded).
 */
export function nonce(): string {
  return `${process.hrtime.bigint().toString(16)}${(counter++).toString(16)}`;
}

/** A new name `.NAME.tmp-PID-STARTTIME-NONCE` beside `file`: its writer's identity is in the name. */
export function tempPath(file: string): string {
  const me = selfIdentity();
  return join(dirname(file), `.${basename(file)}.tmp-${me.pid}-${me.startTime}-${nonce()}`);
}

/** The file a temp name was made for (its base name) and its writer, or undefined for other names. */
export function parseTempName(name: string): { of: string; pid: number; startTime: string } | undefined {
  const m = /^\.(.+)\.tmp-(\d+)-(\d+)-[0-9a-f]+$/.exec(name);
  if (m === null) return undefined;
  return { of: m[1]!, pid: Number(m[2]), startTime: m[3]! };
}

/** Removes `file` if it is there; any other failure is the command's, named by `action`. */
export function unlinkIfExists(file: string, action: string): void {
  try {
    unlinkSync(file);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw fsFailure(err, file, action);
  }
}

/**
 * Removes a temp (or a backup name) beside the state: this writer's own after a failure, or a dead
 * writer's. A failure to remove it is not the command's: the name is unique to its writer, and the
 * next takeover of a dead lock looks for it again.
 */
export function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone, or impossible now.
  }
}
