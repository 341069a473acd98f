// The state file's lock (README, "State file": Locking): `${state}.lock` beside the state's resolved path (so
// writers through a symlink and through its target take the same lock), holding
// `pid starttime nonce\n`.
//
// - Publishing is atomic: the line is written to a private temp file which is then hard-linked
//   to the lock path (link fails with EEXIST when the lock is taken). A visible lock therefore
//   always has its complete content.
// - Liveness is pid + start time (procfs.ts), never the file's age: a live owner keeps its lock
//   however long it computes, and waiting for it is unbounded; a dead owner's lock (a zombie's
//   included) is taken over at once.
// - Only two kinds of unlink touch the lock path: the owner removing its own lock (it is alive
//   while doing so, so nobody judges it dead then), and a breaker removing a dead owner's lock.
//   Breakers are serialised by a second lock, `${state}.lock.break`, so between a breaker's
//   re-read of the lock and its unlink nothing else can replace the lock. A break lock left by a
//   breaker killed once its work was done is removed by the lock's next holder.
// - Every wait ends: a lock path that is not a regular file (a FIFO, a directory, a symlink) is
//   refused at once, and a lock without a valid line is abandoned once this waiter has seen the
//   same content for the grace period, whatever its mtime says.
import { closeSync, linkSync, openSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { errnoCode, errnoError, fsFailure } from './errors.js';
import { entryAt, lockPath as lockOf, makeDir, nonce, readRegular, resolveState, tempPath } from './paths.js';
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
 * The file's content, or undefined when it does not exist. A lock path that is not a regular file
 * (a FIFO, a directory, a symlink) is refused: no wait for it would ever end.
 */
function readContent(file: string): string | undefined {
  return readRegular(file, 'use lock', true)?.toString('utf8');
}

function unlinkIfExists(file: string): void {
  try {
    unlinkSync(file);
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw fsFailure(e, file, 'remove lock');
  }
}

/** Atomically creates `target` with `content`; false when it already exists. */
function publish(target: string, content: string): boolean {
  // Named for its writer, so that a lock holder can remove those of killed contenders (write.ts).
  const temp = tempPath(target);
  let fd: number;
  try {
    // 'wx': the temp name is ours alone, so the cleanup below never removes another's file.
    fd = openSync(temp, 'wx', 0o600);
  } catch (e) {
    throw fsFailure(e, target, 'create lock');
  }
  try {
    try {
      const buf = Buffer.from(content);
      if (writeSync(fd, buf) !== buf.length) throw errnoError('ENOSPC');
    } finally {
      closeSync(fd);
    }
    linkSync(temp, target);
    return true;
  } catch (e) {
    if (errnoCode(e) === 'EEXIST') return false;
    throw fsFailure(e, target, 'create lock');
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // Nothing more can be done; the name is unique, and the next lock holder removes it.
    }
  }
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
  // No valid line. Link-publishing never shows a partial file, but a foreign or older writer
  // might: treat the file as a live owner's while it is young, as abandoned once it is not. Young
  // means both: modified less than the grace period ago, and first seen by this waiter less than
  // the grace period ago (an mtime in the future must not make it young forever).
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
  if (readContent(file) === content) unlinkIfExists(file);
}

/**
 * Removes the lock at `lockPath` if it still holds `dead` (judged dead by the caller).
 * Returns true when progress was made (the caller should retry at once), false when another
 * live breaker is at work (the caller should wait a little).
 */
function breakDead(lockPath: string, dead: string, seen: FirstSeen): boolean {
  const breakPath = `${lockPath}.break`;
  const mine = ownLine();
  if (!publish(breakPath, mine)) {
    // The break lock is held only for a read and an unlink, synchronously (microseconds), so a
    // dead owner of it was killed inside that window. Unlinking it then is a check-then-unlink
    // that could, in that rare double coincidence, race with another breaker doing the same;
    // this is accepted.
    const owner = inspect(breakPath, seen);
    if (owner === undefined) return true;
    if (owner.alive) return false;
    unlinkIfContent(breakPath, owner.content);
    return true;
  }
  try {
    // Serialised with every other breaker, and the dead owner cannot release: if the content
    // is still `dead` here, the file is still the dead owner's when unlinked.
    unlinkIfContent(lockPath, dead);
  } finally {
    unlinkIfContent(breakPath, mine);
  }
  return true;
}

/**
 * Removes the break lock of a breaker killed after it had removed the dead lock but before it
 * released its break lock: nobody else would ever look at it, since the lock is free from then on.
 * Called by the lock's new holder; the check-then-unlink races only with another breaker removing
 * the same dead file, as in breakDead.
 */
function removeDeadBreak(lockPath: string, seen: FirstSeen): void {
  const breakPath = `${lockPath}.break`;
  // Nearly always there is none: looked for without the error a failed open throws (any other
  // answer is inspect's to report).
  if (entryAt(breakPath, false) === undefined) return;
  const owner = inspect(breakPath, seen);
  if (owner !== undefined && !owner.alive) unlinkIfContent(breakPath, owner.content);
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
 * process holds it; takes over a lock whose owner is dead.
 */
export async function acquireLock(path: string): Promise<Lock> {
  const lockPath = lockOf(resolveState(path));
  const dir = dirname(lockPath);
  makeDir(dir);
  const seen: FirstSeen = new Map();
  let delay = MIN_DELAY_MS;
  for (;;) {
    const content = ownLine();
    if (publish(lockPath, content)) {
      const lock = hold(lockPath, content);
      try {
        removeDeadBreak(lockPath, seen);
      } catch (err) {
        // A break lock that cannot be used (not a regular file): the error is the command's, and
        // the lock just taken goes, or a shell or batch that goes on would hold it for nothing.
        lock.release();
        throw err;
      }
      return lock;
    }
    const owner = inspect(lockPath, seen);
    if (owner === undefined) continue; // released between our link and our read: retry now
    if (!owner.alive && breakDead(lockPath, owner.content, seen)) continue;
    // A live owner (or a live breaker): poll with backoff, for as long as it takes.
    await new Promise((resolve) => setTimeout(resolve, delay)); // not node:timers/promises, a module every writer would load
    delay = Math.min(MAX_DELAY_MS, delay * 2);
  }
}
