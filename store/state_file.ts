// Reading the state file (and removing it, for reset). Writing lives in store/write.ts, loaded
// only by commands that change something.
import type { KernelState } from '../lib/state.js';
import { StateFileError } from './errors.js';
import { journalPath, readRegular, resolveState, unlinkIfExists } from './paths.js';
import { decodeSnapshot, SnapshotError } from './snapshot.js';

export { StateFileError } from './errors.js';

/** The snapshot at path, or undefined when there is none yet. */
export async function readState(path: string): Promise<KernelState | undefined> {
  // A FIFO, a device or a directory is refused at once; the bytes are decoded strictly.
  const bytes = readRegular(path, 'use state file');
  if (bytes === undefined) return undefined;
  try {
    return await decodeSnapshot(bytes);
  } catch (err) {
    if (err instanceof SnapshotError) throw new StateFileError(path, err.message);
    throw err;
  }
}

/** Removes the state (the file a symlink leads to; the link stays) and its journal, whether or not they exist. */
export function removeState(path: string): void {
  const file = resolveState(path);
  for (const [name, what] of [
    [file, 'remove state file'],
    [journalPath(file), 'remove journal'],
  ] as const) {
    unlinkIfExists(name, what);
  }
}
