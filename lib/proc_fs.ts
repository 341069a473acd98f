// fs/proc/generic.c (3.8-3.18): proc_alloc_inum / proc_free_inum over the one proc_inum_ida that
// every /proc entry draws from, which is why a namespace's inode number is not a constant.
import { ENOSPC } from './errno.js';
import { Ida } from './idr.js';
import type { KernelState } from './state.js';

/** PROC_DYNAMIC_FIRST: init_net's net:[4026531840] on a net-only IDA. */
export const PROC_DYNAMIC_FIRST = 0xf0000000;
/** proc_alloc_inum refuses an index above UINT_MAX - PROC_DYNAMIC_FIRST. */
export const PROC_MAX_INDEX = 0xffffffff - PROC_DYNAMIC_FIRST;

export class ProcFs {
  private ida: Ida | undefined;

  /** `inUse` gives the inode numbers the live namespaces hold, the only ones the state keeps. */
  constructor(
    private readonly state: KernelState,
    private readonly inUse: () => Iterable<number>,
  ) {}

  /** proc_inum_ida, rebuilt at its first use from the inode numbers in use and the reserved indices. */
  private get proc_inum_ida(): Ida {
    if (!this.ida) {
      const indices: number[] = [];
      for (const inum of this.inUse()) indices.push(inum - PROC_DYNAMIC_FIRST);
      this.ida = new Ida(indices, this.state.proc_reserved);
    }
    return this.ida;
  }

  /** proc_alloc_inum(&inum): 0 and the inode number, or -ENOSPC when the IDA is exhausted. */
  proc_alloc_inum(): { ret: number; inum?: number } {
    const ida = this.proc_inum_ida;
    const i = ida.getNewAbove(0);
    if (i < 0) return { ret: i };
    if (i > PROC_MAX_INDEX) {
      ida.remove(i);
      return { ret: -ENOSPC };
    }
    return { ret: 0, inum: PROC_DYNAMIC_FIRST + i };
  }

  /** proc_free_inum(inum): the index is reusable at once, lowest first. */
  proc_free_inum(inum: number): void {
    this.proc_inum_ida.remove(inum - PROC_DYNAMIC_FIRST);
  }

  /**
   * Indices 0..count-1 taken by the /proc entries a boot creates before net_ns_init(), when no
   * namespace holds an inode number yet.
   */
  reserve(count: number): void {
    this.state.proc_reserved = count;
    this.ida = new Ida([], count);
  }

  /** The inode numbers in use, ascending, reserved ones included. */
  inums(): number[] {
    return this.proc_inum_ida.ids().map((i) => PROC_DYNAMIC_FIRST + i);
  }
}
