// ipsim's indexes over the nsid tables, each namespace's netns_ids of Linux 4.0+ (3.10 has none):
// which tables hold a namespace, so that unhash_nsid visits only those where the kernel walks every
// namespace; one map per table for peernet2id's lookup (an idr lookup in the kernel); and tables
// that drop their dead peers in one pass when next read, however many die before that.
import type { Net, NsidEntry } from './state.js';
import type { EngineWork } from './work.js';

export class NsidTables {
  /** For each namespace, the namespaces whose table has an entry for it. */
  private readonly holders = new Map<number, Set<Net>>();
  /** Each table's peer → nsid map; a changed table is a new key. */
  private readonly byPeer = new WeakMap<NsidEntry[], Map<number, number>>();

  /** `alive` tells whether a serial is still on net_namespace_list. */
  constructor(
    nets: Iterable<Net>,
    private readonly alive: (serial: number) => boolean,
    private readonly work: EngineWork,
  ) {
    for (const net of nets) if (net.nsids.length > 0) for (const entry of net.nsids) this.hold(net, entry.peer);
  }

  /** The nsid net's table has for peer, or -1. */
  lookup(net: Net, peer: number): number {
    const table = net.nsids;
    if (table.length === 0) return -1;
    let byPeer = this.byPeer.get(table);
    if (!byPeer) {
      byPeer = new Map(table.map((e) => [e.peer, e.nsid]));
      this.work.moved += table.length;
      this.byPeer.set(table, byPeer);
    }
    return byPeer.get(peer) ?? -1;
  }

  /** The serial of the peer net's table has at nsid. */
  peerAt(net: Net, nsid: number): number | undefined {
    const table = net.nsids;
    const entry = table[nsidIndex(table, nsid)];
    return entry?.nsid === nsid ? entry.peer : undefined;
  }

  /** The lowest nsid net's table does not use. */
  lowestFree(net: Net): number {
    let nsid = 0;
    for (const e of net.nsids) {
      if (e.nsid === nsid) nsid += 1;
      else if (e.nsid > nsid) break;
    }
    return nsid;
  }

  /** Enters peer at nsid in net's table, kept ascending by nsid. */
  insert(net: Net, nsid: number, peer: number): void {
    const table = net.nsids;
    table.splice(nsidIndex(table, nsid), 0, { nsid, peer });
    this.byPeer.delete(table);
    this.hold(net, peer);
  }

  /** Whether net has a table of its own or an nsid in another namespace's table. */
  has(net: Net): boolean {
    return (this.holders.get(net.serial)?.size ?? 0) > 0 || net.nsids.length > 0;
  }

  /** net is gone: every table that holds it drops it when next read, and its own table goes. */
  forget(net: Net): void {
    const holders = this.holders.get(net.serial);
    if (holders) {
      this.work.nets += holders.size;
      for (const other of holders) this.pruneOnRead(other);
      this.holders.delete(net.serial);
    }
    const own = net.nsids;
    this.work.nets += own.length;
    for (const entry of own) this.holders.get(entry.peer)?.delete(net);
    net.nsids = [];
  }

  private hold(net: Net, peer: number): void {
    const holders = this.holders.get(peer);
    if (holders) holders.add(net);
    else this.holders.set(peer, new Set([net]));
  }

  /**
   * Turns net.nsids into a getter that filters out the peers no longer alive and then puts the
   * filtered array back as a plain property: removing an entry costs O(1), and the table is
   * rebuilt once, by whatever reads it next (a lookup, `list-id`, the state file).
   */
  private pruneOnRead(net: Net): void {
    const desc = Object.getOwnPropertyDescriptor(net, 'nsids');
    if (!desc || desc.get) return;
    const table = desc.value as NsidEntry[];
    const settle = (value: NsidEntry[]): void => {
      Object.defineProperty(net, 'nsids', { configurable: true, enumerable: true, writable: true, value });
    };
    Object.defineProperty(net, 'nsids', {
      configurable: true,
      enumerable: true,
      get: () => {
        const live = table.filter((e) => this.alive(e.peer));
        this.work.moved += live.length;
        settle(live);
        return live;
      },
      set: settle,
    });
  }
}

/** Where nsid goes in a table kept ascending by nsid: the first entry not below it. */
function nsidIndex(table: readonly NsidEntry[], nsid: number): number {
  let lo = 0;
  let hi = table.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (table[mid]!.nsid < nsid) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
