// Reading the state file (and removing it, for reset). Writing lives in store/write.ts, loaded
// only by commands that change something.
import { readFileSync, unlinkSync } from 'node:fs';
import type { KernelState } from '../lib/state.js';
import { journalPath } from './paths.js';
import { decodeSnapshot, SnapshotError } from './snapshot.js';

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

/** The snapshot at path, or undefined when there is none yet. */
export function readState(path: string): KernelState | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return undefined;
    throw new StateFileError(path, e.message.replace(/^[A-Z]+: /, '').replace(/, open '.*'$/, ''));
  }
  try {
    return decodeSnapshot(bytes);
  } catch (err) {
    if (err instanceof SnapshotError) throw new StateFileError(path, err.message);
    throw err;
  }
}

/** Removes the state and its journal, whether or not they exist. */
export function removeState(path: string): void {
  for (const file of [path, journalPath(path)]) {
    try {
      unlinkSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

