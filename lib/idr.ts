// lib/idr.c: the IDA id allocator, as 3.10 uses it for net_generic_ids and proc_inum_ida.
// Only its observable rule is kept: ida_get_new_above() hands out the lowest free id >= start,
// and ida_remove() makes an id reusable at once.
import { ENOSPC } from './errno.js';

/** ida_get_new_above() fails with -ENOSPC past this id (MAX_IDR_BIT in 3.10). */
export const IDA_MAX_ID = 0x7fffffff;

export class Ida {
  private readonly used = new Set<number>();
  /** Every id below `reserved` counts as used without being stored (proc's boot-time entries). */
  private readonly reserved: number;
  /** No id below this is free; kept so that a run of allocations does not rescan from 0. */
  private lowestFree: number;

  constructor(used: Iterable<number> = [], reserved = 0) {
    this.reserved = reserved;
    for (const id of used) this.used.add(id);
    this.lowestFree = reserved;
  }

  has(id: number): boolean {
    return id < this.reserved || this.used.has(id);
  }

  /** ida_get_new_above(ida, start, &id): the lowest free id >= start, or -ENOSPC when full. */
  getNewAbove(start: number): number {
    let id = Math.max(start, this.reserved);
    if (id <= this.lowestFree) id = this.lowestFree;
    while (this.used.has(id)) id += 1;
    if (id > IDA_MAX_ID) return -ENOSPC;
    this.used.add(id);
    if (start <= this.lowestFree) this.lowestFree = id + 1;
    return id;
  }

  /** ida_remove(ida, id): false when the id was not allocated (the kernel only warns then). */
  remove(id: number): boolean {
    if (id < this.reserved || !this.used.delete(id)) return false;
    if (id < this.lowestFree) this.lowestFree = id;
    return true;
  }

  /** The ids in use, ascending, reserved ones included. */
  ids(): number[] {
    const out: number[] = [];
    for (let id = 0; id < this.reserved; id += 1) out.push(id);
    return out.concat([...this.used].sort((a, b) => a - b));
  }
}
