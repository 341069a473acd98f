// The id allocators from outside the kernel: a boot profile's `proc reserve N` directive, which takes
// the proc inode numbers a real boot's /proc entries take before net_ns_init() (README, "The
// linux-3.10 profile"), and the allocators as `show ids` prints them.
import type { Kernel } from './net_namespace.js';
import { Refused } from './refused.js';

/** Large enough for any real boot's /proc entries; keeps `show ids` printable. */
export const MAX_PROC_RESERVE = 65536;

/** `proc reserve N`: proc IDA indices 0..N-1 are taken, before net_ns_init. */
export function procReserve(kernel: Kernel, count: number): void {
  if (kernel.state.initialized) throw new Refused('proc reserve must come before net_ns_init');
  if (!Number.isSafeInteger(count) || count < 0 || count > MAX_PROC_RESERVE) {
    throw new Refused(`proc reserve takes 0..${MAX_PROC_RESERVE}`);
  }
  kernel.proc.reserve(count);
}

/** net_generic_ids and the proc inode numbers in use, ascending. */
export function idsInUse(kernel: Kernel): { net_generic_ids: number[]; proc_inums: number[] } {
  return { net_generic_ids: kernel.net_generic_ids.ids(), proc_inums: kernel.proc.inums() };
}
