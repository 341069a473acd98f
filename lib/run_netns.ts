// /run/netns as the VFS sees it: a tmpfs directory whose entries are the namespaces' bind mounts.
// ip opens or creates paths under it with whatever name it is given (the name check is skipped
// under -all), so the errno of a path that is not a plain bound name is modelled here.
import { EEXIST, EISDIR, ENAMETOOLONG, ENOENT, ENOTDIR } from './errno.js';
import type { Kernel } from './net_namespace.js';
import type { Net } from './state.js';

/** What open("/run/netns/NAME", O_RDONLY) gives: a namespace, a directory (not a namespace), or an errno. */
export type Opened = { kind: 'net'; net: Net } | { kind: 'dir' } | { kind: 'error'; errno: number };

/** NAME split at '/', past the leading '' and '.' components that still mean /run/netns. */
function walk(name: string): { tooLong: boolean; first: string | undefined; rest: string[] } {
  const parts = name.split('/');
  let i = 0;
  while (i < parts.length && (parts[i] === '' || parts[i] === '.')) i += 1;
  return {
    tooLong: parts.some((p) => Buffer.byteLength(p, 'utf8') > 255),
    first: parts[i],
    rest: parts.slice(i + 1),
  };
}

const onlyDots = (parts: readonly string[]): boolean => parts.every((p) => p === '' || p === '.');

export function openNetnsFile(kernel: Kernel, name: string): Opened {
  const { tooLong, first, rest } = walk(name);
  if (tooLong) return { kind: 'error', errno: ENAMETOOLONG };
  if (first === undefined) return { kind: 'dir' };
  // /run itself is a directory; what else is under /run is not modelled.
  if (first === '..') return onlyDots(rest) ? { kind: 'dir' } : { kind: 'error', errno: ENOENT };
  const net = kernel.netByName(first);
  if (!net) return { kind: 'error', errno: ENOENT };
  // A bound name is a file: anything after it, even a trailing slash, is ENOTDIR.
  return rest.length > 0 ? { kind: 'error', errno: ENOTDIR } : { kind: 'net', net };
}

/** What open("/run/netns/NAME", O_CREAT|O_EXCL) fails with, or 0 when the file can be created. */
export function createError(kernel: Kernel, name: string): number {
  const { tooLong, first, rest } = walk(name);
  if (tooLong) return ENAMETOOLONG;
  const trailingSlash = name === '' || name.endsWith('/');
  if (first === undefined || (first === '..' && onlyDots(rest))) return trailingSlash ? EISDIR : EEXIST;
  if (first === '..') return ENOENT;
  const bound = kernel.netByName(first) !== undefined;
  if (rest.length === 0) return bound ? EEXIST : 0;
  if (bound) return ENOTDIR;
  return rest.length === 1 && rest[0] === '' ? EISDIR : ENOENT;
}
