// The state file's lock (README, "State file": Locking): `${state}.lock` beside the state's resolved path (so
// writers through a symlink and through its target take the same lock), a symlink whose target is
// `pid starttime nonce`.
//
// - Publishing is atomic: symlink(2) creates the link with its target in one step, and fails with
//   EEXIST when the lock is taken. A visible lock therefore always has its complete content, and
//   no temp file is made for it. (A regular file holding `pid starttime nonce\n`, an earlier
//   ipsim's lock, is still judged and taken over the same way.)
// - Liveness is pid + start time (procfs.ts), never the file's age: a live owner keeps its lock
//   however long it computes, and waiting for it is unbounded; a dead owner's lock (a zombie's
//   included) is taken over at once, and its new holder removes the temps the dead one left.
// - Only two changes touch a lock that is there: the owner removing its own lock (it is alive
//   while doing so, so nobody judges it dead then), and a breaker replacing a dead owner's lock
//   by its own, with a rename, so that the path is never without a lock in between. Breakers are
//   serialised by a second lock, `${state}.lock.break`, so between a breaker's re-read of the
//   lock and its rename nothing else can replace the lock. A break lock left by a
//   breaker killed once its work was done (its own lock left with it) is removed by the holder
//   that takes that lock over.
// - Every wait ends: a lock path that is neither a symlink nor a regular file (a FIFO, a
//   directory) is refused at once, as is a symlink whose target is not a lock line (symlink(2)
//   never shows a partial one); a regular file without a valid line is abandoned once this waiter
//   has seen the same content for the grace period, whatever its mtime says.
import { readdirSync, readlinkSync, renameSync, statSync, symlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { errnoCode, fsFailure, StateFileError } from './errors.js';
import { entryAt, lockPath as lockOf, makeDir, nonce, parseTempName, readRegular, resolveState, tempPath, unlinkIfExists, unlinkQuietly } from './paths.js';
import { isAlive, selfIdentity } from './procfs.js';

export interface Lock {
  /** Idempotent; removes the lock file only if it is still ours. */
  release(): void;
}

const MIN_DELAY_MS = 2;
const MAX_DELAY_MS = 25;
/** A lock file without a valid line younger than this is presumed still being written. */
const UNREADABLE_GRACE_MS = 1000;
const LOCK_LINE = /^(\d+) (\d+) ([0-9a-f]+)\n$/;

function ownLine(): string {
  const me = selfIdentity();
  return `${me.pid} ${me.startTime} ${nonce()}\n`;
}

/**
 * The lock's line, a symlink's target with the newline a file's line ends with, or undefined when
 * there is none. A symlink whose target is not a line, or a path that is neither a symlink nor a
 * regular file (a FIFO, a directory), is refused: no wait for it would ever end.
 */
function readContent(file: string): string | undefined {
  let target: string;
  try {
    target = readlinkSync(file);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    if (errnoCode(e) !== 'EINVAL') throw fsFailure(e, file, 'use lock');
    // Not a symlink: an older ipsim's lock file, or something that is no lock at all.
    return readRegular(file, 'use lock', true)?.toString('utf8');
  }
  const content = `${target}\n`;
  if (!LOCK_LINE.test(content)) throw new StateFileError(file, 'not a lock', 'use lock');
  return content;
}

/**
 * Atomically creates `target` with `content` (a line), as a symlink; false when it already exists.
 * `makeParent`: a missing directory is made (makeDir, with its errors) and the symlink tried again,
 * so that the directory is looked at only when it is not there.
 */
function publish(target: string, content: string, makeParent = false): boolean {
  try {
    symlinkSync(content.slice(0, -1), target);
    return true;
  } catch (e) {
    if (errnoCode(e) === 'EEXIST') return false;
    if (!makeParent || (errnoCode(e) !== 'ENOENT' && errnoCode(e) !== 'ENOTDIR')) throw fsFailure(e, target, 'create lock');
  }
  makeDir(dirname(target));
  return publish(target, content);
}

/** When this waiter first saw each unreadable content (monotonic ms): its own clock, not mtime. */
type FirstSeen = Map<string, number>;

/** Reads a lock file and judges its owner; undefined when the file does not exist. */
function inspect(file: string, seen: FirstSeen): { content: string; alive: boolean } | undefined {
  const content = readContent(file);
  if (content === undefined) return undefined;
  const m = LOCK_LINE.exec(content);
  if (m !== null && m[1] !== undefined && m[2] !== undefined) {
    return { content, alive: isAlive(Number(m[1]), m[2]) };
  }
  // A regular file without a valid line (a symlink's was refused): a foreign writer of a file may
  // show a partial one. Treat the file as a live owner's while it is young, as abandoned once it
  // is not. Young means both: modified less than the grace period ago, and first seen by this
  // waiter less than the grace period ago (an mtime in the future must not make it young forever).
  let mtimeMs: number;
  try {
    mtimeMs = statSync(file).mtimeMs;
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw fsFailure(e, file, 'use lock');
  }
  const now = performance.now();
  const first = seen.get(content) ?? now;
  seen.set(content, first);
  return { content, alive: Date.now() - mtimeMs < UNREADABLE_GRACE_MS && now - first < UNREADABLE_GRACE_MS };
}

/** Removes `file` if it still has exactly `content` (a check-then-unlink; see the callers). */
function unlinkIfContent(file: string, content: string): void {
  if (readContent(file) === content) unlinkIfExists(file, 'remove lock');
}

/**
 * Replaces the lock at `lockPath`, if it still holds `dead` (judged dead by the caller), by
 * `mine`: a symlink made beside it and renamed over it, so that the lock path is never empty
 * between the dead owner's lock and the new one (a breaker killed in between would otherwise
 * leave the dead owner's temps with no dead lock to say so). 'taken' when the lock is now `mine`;
 * 'retry' when progress was made otherwise (a dead breaker's break lock removed, or the lock
 * changed meanwhile); 'wait' when another live breaker is at work.
 */
function breakDead(lockPath: string, dead: string, mine: string, seen: FirstSeen): 'taken' | 'retry' | 'wait' {
  const breakPath = `${lockPath}.break`;
  const breaker = ownLine();
  if (!publish(breakPath, breaker)) {
    // The break lock is held only for a read and a rename, synchronously (microseconds), so a
    // dead owner of it was killed inside that window. Unlinking it then is a check-then-unlink
    // that could, in that rare double coincidence, race with another breaker doing the same;
    // this is accepted.
    const owner = inspect(breakPath, seen);
    if (owner === undefined) return 'retry';
    if (owner.alive) return 'wait';
    unlinkIfContent(breakPath, owner.content);
    return 'retry';
  }
  try {
    // Serialised with every other breaker, and the dead owner cannot release: if the content is
    // still `dead` here, the file is still the dead owner's when replaced.
    if (readContent(lockPath) !== dead) return 'retry';
    // Named for its writer: one killed before the rename leaves a temp the next breaker removes.
    const temp = tempPath(lockPath);
    try {
      symlinkSync(mine.slice(0, -1), temp);
      renameSync(temp, lockPath);
    } catch (e) {
      unlinkQuietly(temp);
      throw fsFailure(e, lockPath, 'create lock');
    }
    return 'taken';
  } finally {
    unlinkIfContent(breakPath, breaker);
  }
}

/**
 * Removes the break lock of a breaker killed before it released it. Such a breaker had replaced
 * the dead lock by its own, which it left too (or, in a window of microseconds, found the lock
 * changed): called by the holder that takes a dead lock over, as only a breaker would otherwise
 * look at the break lock. The check-then-unlink races only with another breaker removing the same
 * dead file, as in breakDead.
 */
function removeDeadBreak(lockPath: string, seen: FirstSeen): void {
  const breakPath = `${lockPath}.break`;
  // Nearly always there is none: looked for without the error a failed open throws (any other
  // answer is inspect's to report).
  if (entryAt(breakPath, false) === undefined) return;
  const owner = inspect(breakPath, seen);
  if (owner !== undefined && !owner.alive) unlinkIfContent(breakPath, owner.content);
}

/**
 * Removes the temps that dead writers left beside the state (`resolved`): of the state, its
 * journal, and of the lock and break lock (which an earlier ipsim published from a temp). Called
 * by the holder that took over a dead owner's lock, the one time there can be any: only a lock
 * holder makes them, and a writer killed with one left behind also left its lock. A live
 * writer's temp (a pid alive with its start time) is kept.
 */
function removeDeadTemps(resolved: string, lockPath: string): void {
  const dir = dirname(resolved);
  const ours = new Set([basename(resolved), `${basename(resolved)}.events`, basename(lockPath), `${basename(lockPath)}.break`]);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw fsFailure(err, dir, 'use directory');
  }
  for (const name of names) {
    const temp = parseTempName(name);
    if (temp !== undefined && ours.has(temp.of) && !isAlive(temp.pid, temp.startTime)) unlinkQuietly(join(dir, name));
  }
}

// Locks held by this process, released if it exits normally while holding them.
const held = new Set<Lock>();

function releaseAllOnExit(): void {
  for (const lock of held) lock.release();
}

function hold(lockPath: string, content: string): Lock {
  let released = false;
  const lock: Lock = {
    release(): void {
      if (released) return;
      released = true;
      held.delete(lock);
      if (held.size === 0) process.removeListener('exit', releaseAllOnExit);
      // Check-then-unlink is safe here: we are alive, so no breaker removes our lock meanwhile;
      // if the content is no longer ours (someone judged us dead wrongly, or removed the file by
      // hand), the lock is another's and must stay.
      try {
        unlinkIfContent(lockPath, content);
      } catch {
        // The lock cannot be removed (the filesystem turned read-only…): it stays, and is taken
        // over as soon as this process has exited, since its owner is then dead.
      }
    },
  };
  // One listener for all held locks (no MaxListeners warning, whatever the count).
  if (held.size === 0) process.on('exit', releaseAllOnExit);
  held.add(lock);
  return lock;
}

/**
 * Takes the lock of the state file at `path` (beside its resolved path), waiting as long as a live
 * process holds it; takes over a lock whose owner is dead, and then removes what that owner left.
 */
export async function acquireLock(path: string): Promise<Lock> {
  const resolved = resolveState(path);
  const lockPath = lockOf(resolved);
  const seen: FirstSeen = new Map();
  let delay = MIN_DELAY_MS;
  for (;;) {
    const content = ownLine();
    let outcome: 'free' | 'taken' | 'retry' | 'wait' | undefined = publish(lockPath, content, true) ? 'free' : undefined;
    if (outcome === undefined) {
      const owner = inspect(lockPath, seen);
      if (owner === undefined) continue; // released between our symlink and our read: retry now
      if (!owner.alive) outcome = breakDead(lockPath, owner.content, content, seen);
    }
    if (outcome === 'free' || outcome === 'taken') {
      const lock = hold(lockPath, content);
      try {
        // A dead owner's lock was taken over: what it and any dead breaker left is this holder's
        // to remove. A free lock had no dead owner, so nothing was left (see removeDeadBreak).
        if (outcome === 'taken') {
          removeDeadBreak(lockPath, seen);
          removeDeadTemps(resolved, lockPath);
        }
      } catch (err) {
        // A break lock that cannot be used (no lock), or a directory that cannot be read: the
        // error is the command's, and the lock just taken goes, or a shell or batch that goes on
        // would hold it for nothing.
        lock.release();
        throw err;
      }
      return lock;
    }
    if (outcome === 'retry') continue;
    // A live owner (or a live breaker): poll with backoff, for as long as it takes.
    await new Promise((resolve) => setTimeout(resolve, delay)); // not node:timers/promises, a module every writer would load
    delay = Math.min(MAX_DELAY_MS, delay * 2);
  }
}
