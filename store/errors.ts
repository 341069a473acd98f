// The one error of the store: a file that cannot be used (README, "State file": Environment errors). The environment refused
// something (a full or read-only filesystem, a permission, a directory where a file belongs...):
// one line naming the path and the reason, exit 1, and the state left as it was. Exit 70 stays for
// bugs, so only errors that carry an errno code become a StateFileError.
import { errnoByName, strerrorOfCode } from '../lib/errno.js';

/** What could not be done to which file: `Error: cannot ACTION "PATH": REASON`. */
export class StateFileError extends Error {
  constructor(
    readonly path: string,
    reason: string,
    action = 'use state file',
  ) {
    super(`Error: cannot ${action} "${path}": ${reason}`);
    this.name = 'StateFileError';
  }
}

/** The errno code of a failed system call (ENOSPC, EROFS…), undefined for anything else. */
export function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' && /^E[A-Z0-9]+$/.test(err.code)
    ? err.code
    : undefined;
}

/** A failed system call as a StateFileError (glibc's strerror text); anything else is a bug and rethrown. */
export function fsFailure(err: unknown, path: string, action: string): StateFileError {
  if (err instanceof StateFileError) return err;
  const code = errnoCode(err);
  if (code === undefined || errnoByName(code) === undefined) throw err;
  return new StateFileError(path, strerrorOfCode(code), action);
}

/** An Error carrying an errno code: for a failure reported by a count (a short write) or a check. */
export function errnoError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(code), { code });
}
