// fs/proc/generic.c (3.8-3.18): proc_alloc_inum / proc_free_inum over the one proc_inum_ida that
// every /proc entry draws from, which is why a namespace's inode number is not a constant.
import { ENOSPC } from './errno.js';
import type { Ida } from './idr.js';

/** PROC_DYNAMIC_FIRST: init_net's net:[4026531840] on a net-only IDA. */
export const PROC_DYNAMIC_FIRST = 0xf0000000;
/** proc_alloc_inum refuses an index above UINT_MAX - PROC_DYNAMIC_FIRST. */
export const PROC_MAX_INDEX = 0xffffffff - PROC_DYNAMIC_FIRST;

/** proc_alloc_inum(&inum): 0 and the inode number, or -ENOSPC when the IDA is exhausted. */
export function proc_alloc_inum(ida: Ida): { ret: number; inum?: number } {
  const i = ida.getNewAbove(0);
  if (i < 0) return { ret: i };
  if (i > PROC_MAX_INDEX) {
    ida.remove(i);
    return { ret: -ENOSPC };
  }
  return { ret: 0, inum: PROC_DYNAMIC_FIRST + i };
}

/** proc_free_inum(inum): the index is reusable at once, lowest first. */
export function proc_free_inum(ida: Ida, inum: number): void {
  ida.remove(inum - PROC_DYNAMIC_FIRST);
}
