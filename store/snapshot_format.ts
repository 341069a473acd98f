// What every load of a state file needs of its format without valibot: the format's name and
// version, and the checks the schema (store/snapshot_schema.ts) and the check compiled from it
// (store/snapshot_check.ts) both call. valibot and the schema load only to word a refusal.
import { isValidNetnsName } from '../lib/run_netns.js';

export const STATE_FORMAT = 'ipsim-state';
/** 2: namespaces and names stored as columns (1 had an object per namespace and per name). */
export const STATE_VERSION = 2;

export { isValidNetnsName };

/**
 * Text a UTF-8 file can hold: no lone surrogate (JSON's \ud800 escape can make one). V8's own
 * scan, not a /\p{Cs}/u, whose Unicode tables cost every start a twentieth of a millisecond.
 */
export function isUnicodeText(s: string): boolean {
  return s.isWellFormed();
}

/** A fault's namespace: a name, or `*` for all. */
export function isNetnsSelector(s: string): boolean {
  return s === '*' || isValidNetnsName(s);
}
