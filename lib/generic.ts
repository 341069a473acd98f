// include/net/netns/generic.h (3.x): struct net_generic { unsigned len; rcu_head rcu; void *ptr[]; }.
// The slot for generic id i is ptr[i - 1]; ids start at 1.

/** INITIAL_NET_GEN_PTRS: 13 pointers, so that with len and the rcu_head the array fills 16 words. */
export const INITIAL_NET_GEN_PTRS = 13;

/**
 * A non-NULL ptr[index]. 3.x never NULLs a slot again: after the data is freed the pointer stays,
 * "stale", and keeps naming the ops that last filled it until net_assign_generic overwrites it.
 */
export interface Slot {
  index: number;
  ops: string;
  size: number;
  state: 'data' | 'stale';
}

/** ptr[] is kept sparse: NULL slots are absent, the others sorted by index. */
export interface NetGeneric {
  len: number;
  slots: Slot[];
}

/**
 * The longest ptr[] kzalloc can give: past 2^(MAX_ORDER-1) pages (4 MiB on x86_64) 3.10's
 * kmalloc_large() fails in the page allocator, and the array is len, the rcu_head (3 words in all)
 * and len pointers.
 */
export const MAX_NET_GEN_PTRS = (4 * 1024 * 1024) / 8 - 3;

/** net_alloc_generic(): a zeroed array of len slots, or NULL (undefined) when kzalloc fails. */
export function net_alloc_generic(len: number): NetGeneric | undefined {
  return len > MAX_NET_GEN_PTRS ? undefined : { len, slots: [] };
}

export function slotAt(ng: NetGeneric, index: number): Slot | undefined {
  return ng.slots.find((slot) => slot.index === index);
}

/** ng->ptr[index] = data. */
export function storeSlot(ng: NetGeneric, slot: Slot): void {
  const at = ng.slots.findIndex((s) => s.index >= slot.index);
  if (at === -1) ng.slots.push(slot);
  else if (ng.slots[at]!.index === slot.index) ng.slots[at] = slot;
  else ng.slots.splice(at, 0, slot);
}

/** BUG() in the emulated kernel: a state the real one would crash on. */
export class KernelBug extends Error {
  constructor(message: string) {
    super(`kernel BUG: ${message}`);
    this.name = 'KernelBug';
  }
}

/**
 * net_generic(net, id) as 3.x's inline: BUG_ON(id == 0 || id > ng->len), then BUG_ON(!ptr).
 * A stale slot is returned like live data: the kernel cannot tell them apart.
 */
export function net_generic(ng: NetGeneric, id: number): Slot {
  if (id === 0 || id > ng.len) throw new KernelBug(`net_generic: id ${id} outside ptr[0..${ng.len - 1}]`);
  const slot = slotAt(ng, id - 1);
  if (!slot) throw new KernelBug(`net_generic: ptr[${id - 1}] is NULL`);
  return slot;
}
