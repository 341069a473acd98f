// The emulated kernel's data as the engine holds it (the snapshot stores namespaces and names as
// columns, store/snapshot.ts): struct net and struct pernet_operations
// (include/net/net_namespace.h), the globals of net/core/net_namespace.c, and the /run/netns
// directory. Plain JSON data; lib/net_namespace.ts and lib/machine.ts give it behaviour.
import { INITIAL_NET_GEN_PTRS, type NetGeneric } from './generic.js';

export type OpsKind = 'subsys' | 'device';

/** What names an ops and its callbacks: C identifiers, as the kernel's symbols are. */
export const C_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A fault injected into a callback: init returns -errno on namespaces the selector matches. */
export interface FailInit {
  net: string;
  errno: number;
}

/** struct pernet_operations, with the callbacks' function names (null is a NULL callback). */
export interface PernetOps {
  name: string;
  kind: OpsKind;
  /**
   * The generic id written through ops->id, or null when the ops has no id pointer; 0, as the int
   * the pointer names, until register_pernet_operations() writes it.
   */
  id: number | null;
  size: number;
  init: string | null;
  exit: string | null;
  exit_batch: string | null;
  fail_init: FailInit[];
  /** Selectors of namespaces on which ops_init's kzalloc fails. */
  fail_alloc: string[];
}

export interface NsidEntry {
  nsid: number;
  /** The peer namespace's serial. */
  peer: number;
}

/** struct net. */
export interface Net {
  /** Never reused within a boot; init_net is 0. The state names namespaces by serial. */
  serial: number;
  proc_inum: number | null;
  count: number;
  passive: number;
  dev_base_seq: number;
  user_ns: 'init_user_ns';
  loopback_dev: string | null;
  gen: NetGeneric;
  /** This namespace's netns_ids table (the nsids it assigned to peers), ascending by nsid. */
  nsids: NsidEntry[];
}

/** A name in /run/netns bound to a namespace. */
export interface NetnsName {
  name: string;
  serial: number;
}

/** A process that holds a reference on a namespace: a `netns exec` wrapper and its CMD, or `-n` (README, process model). */
export interface Holder {
  wrapper_pid: number;
  wrapper_start: string;
  cmd_pid: number;
  cmd_start: string;
  boot_id: string;
  serial: number;
}

export interface KernelState {
  boot_id: string;
  next_serial: number;
  /** net_ns_init() has run: init_net exists. */
  initialized: boolean;
  max_gen_ptrs: number;
  /** proc IDA indices 0..proc_reserved-1 taken by boot-time /proc entries (profile `proc reserve`). */
  proc_reserved: number;
  /** The ops first_device points at, or null for &pernet_list (no device registered). */
  first_device: string | null;
  pernet_list: PernetOps[];
  /** init_net first, then creation order. */
  net_namespace_list: Net[];
  /** /run/netns in creation order; readdir() on tmpfs returns it newest first. */
  names: NetnsName[];
  holders: Holder[];
}

/** A kernel before net_ns_init(): no namespace, no ops, first_device = &pernet_list. */
export function emptyState(boot_id: string): KernelState {
  return {
    boot_id,
    next_serial: 1,
    initialized: false,
    max_gen_ptrs: INITIAL_NET_GEN_PTRS,
    proc_reserved: 0,
    first_device: null,
    pernet_list: [],
    net_namespace_list: [],
    names: [],
    holders: [],
  };
}
