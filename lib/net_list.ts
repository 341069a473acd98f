// net_namespace_list as ipsim keeps it. The kernel's is a list_head through every struct net; here
// it is an array ascending by serial (copy_net_ns appends, and serials only grow), whose struct
// nets are made from the state file's columns when something first asks for one: `netns list` on
// 10,000 namespaces asks for init_net alone, while a walk over the list makes them all. Unlinking
// costs O(log n) (list_del_rcu is O(1)); the array a walk reads is rebuilt once after unlinks.
import { Deferred } from './deferred.js';
import { KernelBug } from './generic.js';
import type { KernelState, Net } from './state.js';
import type { EngineWork } from './work.js';

/** Where a list's namespaces come from: the state file's columns, or an array of struct nets. */
export interface NetSource {
  readonly length: number;
  serial(i: number): number;
  proc_inum(i: number): number | null;
  /** Whether the namespace at i has entries in its nsid table. */
  hasNsids(i: number): boolean;
  /** The namespace at i, made at the first call and the same object at every later one. */
  net(i: number): Net;
}

export function arraySource(nets: readonly Net[]): NetSource {
  return {
    length: nets.length,
    serial: (i) => nets[i]!.serial,
    proc_inum: (i) => nets[i]!.proc_inum,
    hasNsids: (i) => nets[i]!.nsids.length > 0,
    net: (i) => nets[i]!,
  };
}

/** The namespaces of a loaded state, made as the kernel built on it reads them. */
export const deferredNets = new Deferred<'net_namespace_list', NetSource, NetList>('net_namespace_list', (source) => Array.from({ length: source.length }, (_, i) => source.net(i)));

/** The source a loaded state's namespaces come from (once: a second kernel sees the first one's list). */
export function takeNetSource(state: KernelState): NetSource {
  return deferredNets.take(state) ?? arraySource(state.net_namespace_list);
}

/**
 * The index of value in an ascending array, or -1: `hint` first (lookups mostly come in order),
 * else a binary search.
 */
export function indexOfAscending(values: readonly number[], value: number, hint = 0): number {
  if (hint < values.length && values[hint] === value) return hint;
  let lo = 0;
  let hi = values.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const at = values[mid]!;
    if (at === value) return mid;
    if (at < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

export class NetList {
  /** Ascending; an unlinked namespace keeps its place until the next rebuild. */
  private serials: number[];
  /** undefined: not made yet (the source has it at the same index); null: unlinked. */
  private nets: (Net | null | undefined)[];
  private source: NetSource | undefined;
  /** The list as an array; undefined after an unlink until the next read. */
  private view: Net[] | undefined;

  constructor(
    source: NetSource,
    private readonly work: EngineWork,
  ) {
    const n = source.length;
    this.serials = new Array<number>(n);
    for (let i = 0; i < n; i += 1) this.serials[i] = source.serial(i);
    this.nets = new Array<Net | null | undefined>(n);
    this.source = source;
  }

  /** The index of serial's live namespace, or -1. */
  private indexOf(serial: number): number {
    const i = indexOfAscending(this.serials, serial);
    return i >= 0 && this.nets[i] !== null ? i : -1;
  }

  private at(i: number): Net {
    let net = this.nets[i];
    if (net === undefined) {
      net = this.nets[i] = this.source!.net(i);
      this.work.made += 1;
    }
    return net!;
  }

  get(serial: number): Net | undefined {
    const i = this.indexOf(serial);
    return i < 0 ? undefined : this.at(i);
  }

  has(serial: number): boolean {
    return this.indexOf(serial) >= 0;
  }

  /** Every live namespace's proc inode number, without making the namespaces. */
  *procInums(): Iterable<number> {
    for (let i = 0; i < this.nets.length; i += 1) {
      const net = this.nets[i];
      if (net === null) continue;
      const inum = net === undefined ? this.source!.proc_inum(i) : net.proc_inum;
      if (inum !== null) yield inum;
    }
  }

  /** The live namespaces whose nsid table has entries: only they are made. */
  withNsids(): Net[] {
    const out: Net[] = [];
    for (let i = 0; i < this.nets.length; i += 1) {
      const net = this.nets[i];
      if (net === null) continue;
      if (net === undefined ? this.source!.hasNsids(i) : net.nsids.length > 0) out.push(this.at(i));
    }
    return out;
  }

  /**
   * Each live namespace in list order, none made for it: `made` gets a struct net, `unmade` the
   * source and index a namespace nothing has read yet would be made from (and is unchanged in).
   */
  forEachLive(made: (net: Net) => void, unmade: (source: NetSource, i: number) => void): void {
    for (let i = 0; i < this.nets.length; i += 1) {
      const net = this.nets[i];
      if (net === null) continue;
      if (net === undefined) unmade(this.source!, i);
      else made(net);
    }
  }

  /** Appends at the tail: serials only grow, so the list stays ascending. */
  add(net: Net): void {
    const last = this.serials[this.serials.length - 1];
    if (last !== undefined && net.serial <= last) throw new KernelBug(`net ${net.serial} added after net ${last}`);
    this.serials.push(net.serial);
    this.nets.push(net);
    this.view?.push(net);
  }

  /** Unlinks net. The newest entry goes without a rebuild of the view (as -all delete's batch ends). */
  delete(net: Net): void {
    const i = this.indexOf(net.serial);
    if (i < 0 || this.at(i) !== net) throw new KernelBug(`net ${net.serial} is not on net_namespace_list`);
    if (i === this.nets.length - 1) {
      this.nets.pop();
      this.serials.pop();
    } else {
      this.nets[i] = null;
    }
    const view = this.view;
    if (view && view[view.length - 1] === net) view.pop();
    else this.view = undefined;
  }

  /** The list as an array, every namespace made, in list order. */
  list(): Net[] {
    if (!this.view) {
      const serials: number[] = [];
      const nets: Net[] = [];
      for (let i = 0; i < this.nets.length; i += 1) {
        if (this.nets[i] === null) continue;
        const net = this.at(i);
        serials.push(net.serial);
        nets.push(net);
      }
      this.serials = serials;
      this.nets = nets;
      this.source = undefined;
      this.view = [...nets];
      this.work.moved += nets.length;
    }
    return this.view;
  }
}
