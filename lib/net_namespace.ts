// net/core/net_namespace.c as Linux 3.10.105 has it, to be read beside the source: its globals
// (pernet_list, first_device, net_namespace_list, init_net, max_gen_ptrs, net_generic_ids), then
// its functions in its order, under their kernel names. The nsid functions later kernels keep in
// that file (peernet2id, rtnl_net_newid, unhash_nsid: Linux 4.0+, what `ip netns set/list-id` talk
// to) stand where those kernels put them, marked as such. What ipsim keeps around the kernel
// (/run/netns, the processes holding references, fault injection, trace names, its refusals and
// the record of changes) is lib/machine.ts and the modules it names.
import { EEXIST, ENOMEM } from './errno.js';
import { KernelBug, net_alloc_generic, net_generic, storeSlot, type Slot } from './generic.js';
import { Ida } from './idr.js';
import { deferredNets, NetList, takeNetSource } from './net_list.js';
import { NsidTables } from './nsid_tables.js';
import { ProcFs } from './proc_fs.js';
import type { KernelState, Net, PernetOps } from './state.js';
import { formatRet, type Tracer } from './trace.js';
import type { EngineWork } from './work.js';

/** include/uapi/linux/sched.h */
export const CLONE_NEWNET = 0x40000000;

/** panic(): the boot cannot go on. */
export class KernelPanic extends Error {
  constructor(message: string) {
    super(`Kernel panic - not syncing: ${message}`);
    this.name = 'KernelPanic';
  }
}

/**
 * What the kernel leaves to ipsim: how a trace names a namespace, and the faults injected into
 * ops_init's kzalloc and into init callbacks (lib/faults.ts).
 */
export interface KernelHooks {
  netName(net: Net): string;
  /** Whether ops_init's kzalloc(ops->size) fails on net. */
  kzallocFails(ops: PernetOps, net: Net): boolean;
  /** The errno ops->init(net) is made to return, or 0 to run it. */
  initFault(ops: PernetOps, net: Net): number;
}

/** The result of rtnl_net_newid(): the nsid, or the errno and the extack the kernel sets. */
export type NewIdResult = { ok: true; nsid: number } | { ok: false; errno: number; extack: string };

/** static struct pernet_operations net_ns_ops, which net_ns_init() registers and nothing else may. */
export const NET_NS_OPS: Readonly<PernetOps> = {
  name: 'net_ns_ops',
  kind: 'subsys',
  id: null,
  size: 0,
  init: 'net_ns_net_init',
  exit: 'net_ns_net_exit',
  exit_batch: null,
  fail_init: [],
  fail_alloc: [],
};
/** Its callbacks, whose effect on the proc IDA only net_ns_ops may have. */
export const NET_NS_CALLBACKS: ReadonlySet<string | null> = new Set([NET_NS_OPS.init, NET_NS_OPS.exit]);

export class Kernel {
  /** static DEFINE_IDA(net_generic_ids) */
  readonly net_generic_ids: Ida;
  /** fs/proc's proc_inum_ida, which net_ns_net_init() draws from. */
  readonly proc: ProcFs;
  /** The nsid tables' indexes (Linux 4.0+). */
  readonly nsids: NsidTables;
  /** net_namespace_list; state.net_namespace_list is its view. */
  private readonly nets: NetList;
  private readonly opsByName = new Map<string, PernetOps>();
  /**
   * __put_net() adds at the head of cleanup_list; this array holds it tail first, so appending is
   * O(1) and cleanup_net() reads it backwards.
   */
  private cleanup_list: Net[] = [];

  /** The allocators and indexes are rebuilt from the state once per load. */
  constructor(
    readonly state: KernelState,
    readonly tracer: Tracer,
    private readonly work: EngineWork,
    private readonly hooks: KernelHooks,
  ) {
    this.nets = new NetList(takeNetSource(state), work);
    this.nsids = new NsidTables(this.nets.withNsids(), (serial) => this.nets.has(serial), work);
    // Reading state.net_namespace_list makes every namespace (NetList.list).
    deferredNets.install(state, this.nets, () => this.nets.list());
    for (const ops of state.pernet_list) this.opsByName.set(ops.name, ops);
    this.net_generic_ids = new Ida(state.pernet_list.flatMap((ops) => (ops.id === null ? [] : [ops.id])));
    this.proc = new ProcFs(state, () => this.procInums());
  }

  get init_net(): Net | undefined {
    return this.nets.get(0);
  }

  netBySerialNo(serial: number): Net | undefined {
    return this.nets.get(serial);
  }

  ops(name: string): PernetOps | undefined {
    return this.opsByName.get(name);
  }

  private procInums(): Iterable<number> {
    return this.nets.procInums();
  }

  private netName(net: Net): string {
    return this.hooks.netName(net);
  }

  private names(nets: readonly Net[]): string {
    return `[${nets.map((net) => this.netName(net)).join(', ')}]`;
  }

  /** net_alloc_generic(): a zeroed ptr[] of the current max_gen_ptrs, or NULL when kzalloc fails. */
  private net_alloc_generic(): Net['gen'] | undefined {
    const len = this.state.max_gen_ptrs;
    return this.tracer.call('net_alloc_generic', () => [], () => net_alloc_generic(len), (ng) => (ng ? `ng(len=${len})` : 'NULL'));
  }

  /** net_assign_generic(net, id, data): grows ptr[] to max_gen_ptrs when id does not fit. */
  private net_assign_generic(net: Net, id: number, slot: Slot): number {
    return this.tracer.callInt(
      'net_assign_generic',
      () => [this.netName(net), String(id)],
      () => {
        if (id === 0) throw new KernelBug('net_assign_generic: id == 0');
        if (net.gen.len < id) {
          const ng = this.net_alloc_generic();
          if (!ng) return -ENOMEM;
          ng.slots = net.gen.slots.filter((s) => s.index < net.gen.len);
          net.gen = ng;
        }
        storeSlot(net.gen, slot);
        return 0;
      },
    );
  }

  /** ops_init(ops, net): zeroed data into ptr[id-1] when id && size, then init; a failed init leaves the slot stale. */
  private ops_init(ops: PernetOps, net: Net): number {
    return this.tracer.callInt(
      'ops_init',
      () => [ops.name, this.netName(net)],
      () => {
        let data: Slot | undefined;
        if (ops.id !== null && ops.size) {
          // data = kzalloc(ops->size, GFP_KERNEL); if (!data) goto out;
          const failed = this.hooks.kzallocFails(ops, net);
          this.tracer.leaf('kzalloc', () => [String(ops.size)], failed ? 'NULL' : 'data');
          if (failed) return -ENOMEM;
          data = { index: ops.id - 1, ops: ops.name, size: ops.size, state: 'data' };
          const err = this.net_assign_generic(net, ops.id, data);
          if (err) return err;
        }
        const err = ops.init ? this.callInit(ops, ops.init, net) : 0;
        if (!err) return 0;
        // cleanup: kfree(data), and ptr[id-1] keeps pointing at it.
        if (data) data.state = 'stale';
        return err;
      },
    );
  }

  /** ops->init(net): an injected fault's errno, or the callback; only these names have an effect. */
  private callInit(ops: PernetOps, fn: string, net: Net): number {
    return this.tracer.init(fn, ops.name, () => this.netName(net), () => {
      const fault = this.hooks.initFault(ops, net);
      if (fault) return -fault;
      switch (fn) {
        case 'net_ns_net_init':
          return this.net_ns_net_init(net);
        case 'loopback_net_init': // drivers/net/loopback.c: net->loopback_dev = dev
          net.loopback_dev = 'lo';
          return 0;
        default:
          return 0;
      }
    });
  }

  /** ops_free(ops, net): kfree(net_generic(net, *ops->id)); the pointer stays, stale. */
  private ops_free(ops: PernetOps, id: number, net: Net): void {
    this.tracer.free(ops.name, () => this.netName(net));
    net_generic(net.gen, id).state = 'stale';
  }

  /** ops_exit_list(ops, list): exit on each namespace in list order, then exit_batch once, even on an empty list. */
  private ops_exit_list(ops: PernetOps, nets: readonly Net[]): void {
    this.tracer.call('ops_exit_list', () => [ops.name, this.names(nets)], () => {
      if (ops.exit) {
        const exit = ops.exit;
        this.work.nets += nets.length;
        for (const net of nets) this.callExit(ops, exit, net);
      }
      if (ops.exit_batch) this.tracer.exitBatch(ops.exit_batch, ops.name, () => nets.map((net) => this.netName(net)));
    });
  }

  /** ops->exit(net) */
  private callExit(ops: PernetOps, fn: string, net: Net): void {
    this.tracer.exit(fn, ops.name, () => this.netName(net), () => {
      if (fn === 'net_ns_net_exit') this.net_ns_net_exit(net);
    });
  }

  /** ops_free_list(ops, list): frees each namespace's generic data when the ops has id and size. */
  private ops_free_list(ops: PernetOps, nets: readonly Net[]): void {
    this.tracer.call('ops_free_list', () => [ops.name, this.names(nets)], () => {
      if (!ops.size || ops.id === null) return;
      this.work.nets += nets.length;
      for (const net of nets) this.ops_free(ops, ops.id, net);
    });
  }

  // -------------------------------- Linux 4.0+, not in 3.10: peernet2id, where 4.0 defines it

  /** peernet2id(net, peer): the id net has for peer, or -1 (NETNSA_NSID_NOT_ASSIGNED). */
  peernet2id(net: Net, peer: Net): number {
    return this.nsids.lookup(net, peer.serial);
  }

  // -------------------------------- setup_net, net_alloc, net_drop_ns, copy_net_ns

  /** setup_net(net, user_ns): ops_init over pernet_list; on failure exit then free, in reverse, the ops before the failing one. */
  private setup_net(net: Net, user_ns: 'init_user_ns'): number {
    return this.tracer.callInt(
      'setup_net',
      () => [this.netName(net), user_ns],
      () => {
        net.count = 1;
        net.passive = 1;
        net.dev_base_seq = 1;
        net.user_ns = user_ns;
        const list = this.state.pernet_list;
        for (let k = 0; k < list.length; k += 1) {
          this.work.ops += 1;
          const error = this.ops_init(list[k]!, net);
          if (error < 0) {
            const done = list.slice(0, k).reverse();
            for (const ops of done) this.ops_exit_list(ops, [net]);
            for (const ops of done) this.ops_free_list(ops, [net]);
            this.tracer.leaf('rcu_barrier', () => []);
            return error;
          }
        }
        return 0;
      },
    );
  }

  /**
   * net_alloc(): a zeroed struct net with a fresh generic array, or NULL when an allocation fails.
   * Running out of serials (ipsim's identity for a struct net) fails like its kmem_cache_zalloc.
   */
  private net_alloc(): Net | undefined {
    const serial = this.state.next_serial;
    return this.tracer.call(
      'net_alloc',
      () => [],
      () => {
        const ng = this.net_alloc_generic();
        if (!ng || !Number.isSafeInteger(serial + 1)) return undefined;
        this.state.next_serial += 1;
        return zeroedNet(serial, ng);
      },
      (net) => (net ? this.netName(net) : 'NULL'),
    );
  }

  /** net_drop_ns(net): drops the passive reference; at 0, net_free(). */
  net_drop_ns(net: Net): void {
    this.tracer.call('net_drop_ns', () => [this.netName(net)], () => {
      net.passive -= 1;
      if (net.passive === 0) this.tracer.leaf('net_free', () => [this.netName(net)]);
    });
  }

  /**
   * copy_net_ns(flags, user_ns, old_net): without CLONE_NEWNET a reference on old_net; otherwise
   * a new namespace set up over pernet_list and appended to net_namespace_list, or -errno.
   */
  copy_net_ns(flags: number, user_ns: 'init_user_ns', old_net: Net): Net | number {
    return this.tracer.call(
      'copy_net_ns',
      () => [flags & CLONE_NEWNET ? 'CLONE_NEWNET' : '0', user_ns, this.netName(old_net)],
      (): Net | number => {
        if (!(flags & CLONE_NEWNET)) {
          this.get_net(old_net);
          return old_net;
        }
        const net = this.net_alloc();
        if (!net) return -ENOMEM;
        const rv = this.setup_net(net, user_ns);
        if (rv === 0) {
          this.list_add_tail_rcu(net);
          return net;
        }
        this.net_drop_ns(net);
        return rv;
      },
      (ret) => (typeof ret === 'number' ? `ERR_PTR(${formatRet(ret)})` : this.netName(ret)),
    );
  }

  // -------------------------------- Linux 4.17+, not in 3.10: unhash_nsid, out of cleanup_net's loop

  /** unhash_nsid(net): forget net in every live table and drop its own (3.10: none exist, no call). */
  private unhash_nsid(net: Net): void {
    if (!this.nsids.has(net)) return;
    this.tracer.leaf('unhash_nsid', () => [this.netName(net)]);
    this.nsids.forget(net);
  }

  // -------------------------------- cleanup_net, __put_net, net_ns_ops' callbacks

  /** cleanup_net(): unlink the batch, exit phase in reverse pernet order, free phase, then drop each. */
  private cleanup_net(): void {
    const kill = this.cleanup_list.reverse();
    this.work.moved += kill.length;
    this.cleanup_list = [];
    this.tracer.call('cleanup_net', () => [], () => {
      for (const net of kill) {
        this.work.nets += 1;
        this.list_del_rcu(net);
        this.unhash_nsid(net);
      }
      // Another CPU might be rcu-iterating the list: wait before the exit methods run.
      this.tracer.leaf('synchronize_rcu', () => []);
      const reversed = [...this.state.pernet_list].reverse();
      this.work.ops += 2 * reversed.length;
      for (const ops of reversed) this.ops_exit_list(ops, kill);
      for (const ops of reversed) this.ops_free_list(ops, kill);
      // No outstanding rcu callbacks may use these namespaces once they are freed.
      this.tracer.leaf('rcu_barrier', () => []);
      this.work.nets += kill.length;
      for (const net of kill) this.net_drop_ns(net);
    });
  }

  /** __put_net(net): at the head of cleanup_list, and net_cleanup_work queued on netns_wq. */
  private __put_net(net: Net): void {
    this.tracer.leaf('__put_net', () => [this.netName(net)]);
    this.cleanup_list.push(net);
  }

  /** netns_wq runs net_cleanup_work: one cleanup_net() over everything queued since it last ran. */
  drainNetnsWq(): void {
    if (this.cleanup_list.length > 0) this.cleanup_net();
  }

  /** net_ns_net_init(net): proc_alloc_inum(&net->proc_inum). */
  private net_ns_net_init(net: Net): number {
    const { ret, inum } = this.proc.proc_alloc_inum();
    if (inum !== undefined) net.proc_inum = inum;
    this.tracer.leaf('proc_alloc_inum', () => [inum === undefined ? '&net->proc_inum' : `&net->proc_inum=${inum}`], ret);
    return ret;
  }

  /** net_ns_net_exit(net): proc_free_inum(net->proc_inum). */
  private net_ns_net_exit(net: Net): void {
    if (net.proc_inum === null) return;
    const inum = net.proc_inum;
    this.tracer.leaf('proc_free_inum', () => [String(inum)]);
    this.proc.proc_free_inum(inum);
  }

  // -------------------------------- Linux 4.0+, not in 3.10: rtnl_net_newid (RTM_NEWNSID)

  /** rtnl_net_newid(): alloc_netid() assigns nsid (or, at -1, the lowest free) in net's table to peer; ids never change. */
  rtnl_net_newid(net: Net, peer: Net, reqid: number): NewIdResult {
    if (this.peernet2id(net, peer) >= 0) return { ok: false, errno: EEXIST, extack: 'Peer netns already has a nsid assigned' };
    if (reqid >= 0 && this.nsids.peerAt(net, reqid) !== undefined) return { ok: false, errno: EEXIST, extack: 'The specified nsid is already used' };
    const nsid = reqid >= 0 ? reqid : this.nsids.lowestFree(net);
    this.tracer.leaf('alloc_netid', () => [this.netName(net), this.netName(peer), String(reqid)], nsid);
    this.nsids.insert(net, nsid, peer.serial);
    return { ok: true, nsid };
  }

  // -------------------------------- net_ns_init and the registration API

  /** net_ns_init(): init_net's generic array, setup_net(&init_net, &init_user_ns), link, net_ns_ops. */
  net_ns_init(): void {
    this.tracer.call('net_ns_init', () => [], () => {
      const ng = this.net_alloc_generic();
      if (!ng) throw new KernelPanic('Could not allocate generic netns');
      const init_net = zeroedNet(0, ng);
      const err = this.setup_net(init_net, 'init_user_ns');
      if (err) throw new KernelPanic('Could not setup the initial network namespace');
      this.list_add_tail_rcu(init_net);
      // 3.x ignores the result: init_net simply has no proc inode if this fails.
      this.register_pernet_subsys({ ...NET_NS_OPS, fail_init: [], fail_alloc: [] });
    });
  }

  /** __register_pernet_operations(list, ops): link, then ops_init on every namespace; undo all on the first error. */
  private __register_pernet_operations(list: string | null, ops: PernetOps): number {
    return this.tracer.callInt(
      '__register_pernet_operations',
      () => [listHead(list), ops.name],
      () => {
        this.list_add_tail(ops, list);
        const initialised: Net[] = [];
        if (ops.init || (ops.id !== null && ops.size)) {
          for (const net of this.state.net_namespace_list) {
            this.work.nets += 1;
            const error = this.ops_init(ops, net);
            if (error) {
              this.list_del(ops);
              this.ops_exit_list(ops, initialised);
              this.ops_free_list(ops, initialised);
              return error;
            }
            initialised.push(net);
          }
        }
        return 0;
      },
    );
  }

  /** __unregister_pernet_operations(ops): unlink first, then exit and free on every namespace. */
  private __unregister_pernet_operations(ops: PernetOps): void {
    this.tracer.call('__unregister_pernet_operations', () => [ops.name], () => {
      this.list_del(ops);
      const nets = [...this.state.net_namespace_list];
      this.ops_exit_list(ops, nets);
      this.ops_free_list(ops, nets);
    });
  }

  /** register_pernet_operations(list, ops): the generic id first, then the ops; on error the id goes back. */
  private register_pernet_operations(list: string | null, ops: PernetOps): number {
    return this.tracer.callInt(
      'register_pernet_operations',
      () => [listHead(list), ops.name],
      () => {
        if (ops.id !== null) {
          const id = this.net_generic_ids.getNewAbove(1);
          this.tracer.leaf('ida_get_new_above', () => ['&net_generic_ids', '1', id < 0 ? '&id' : `&id=${id}`], id < 0 ? id : 0);
          if (id < 0) return id;
          ops.id = id;
          this.state.max_gen_ptrs = Math.max(this.state.max_gen_ptrs, id);
        }
        const error = this.__register_pernet_operations(list, ops);
        if (error) {
          this.tracer.leaf('rcu_barrier', () => []);
          if (ops.id !== null) this.ida_remove(ops.id);
        }
        return error;
      },
    );
  }

  private unregister_pernet_operations(ops: PernetOps): void {
    this.tracer.call('unregister_pernet_operations', () => [ops.name], () => {
      this.__unregister_pernet_operations(ops);
      this.tracer.leaf('rcu_barrier', () => []);
      if (ops.id !== null) this.ida_remove(ops.id);
    });
  }

  /** register_pernet_subsys(ops): just before first_device, so before every device. */
  register_pernet_subsys(ops: PernetOps): number {
    return this.tracer.callInt('register_pernet_subsys', () => [ops.name], () => this.register_pernet_operations(this.state.first_device, ops));
  }

  unregister_pernet_subsys(ops: PernetOps): void {
    this.tracer.call('unregister_pernet_subsys', () => [ops.name], () => this.unregister_pernet_operations(ops));
  }

  /** register_pernet_device(ops): at the tail; the first device registered becomes first_device. */
  register_pernet_device(ops: PernetOps): number {
    return this.tracer.callInt(
      'register_pernet_device',
      () => [ops.name],
      () => {
        const error = this.register_pernet_operations(null, ops);
        if (!error && this.state.first_device === null) {
          this.state.first_device = ops.name;
          this.tracer.assign('first_device', () => listHead(ops.name));
        }
        return error;
      },
    );
  }

  /** unregister_pernet_device(ops): first_device moves on to the next node before the ops is unlinked. */
  unregister_pernet_device(ops: PernetOps): void {
    this.tracer.call('unregister_pernet_device', () => [ops.name], () => {
      if (this.state.first_device === ops.name) {
        const list = this.state.pernet_list;
        this.state.first_device = list[list.indexOf(ops) + 1]?.name ?? null;
        this.tracer.assign('first_device', () => listHead(this.state.first_device));
      }
      this.unregister_pernet_operations(ops);
    });
  }

  // -------------------------------- include/net/net_namespace.h

  get_net(net: Net): void {
    this.tracer.leaf('get_net', () => [this.netName(net)]);
    net.count += 1;
  }

  /** put_net(net): at count 0, __put_net() queues it for cleanup_net(). init_net never gets there. */
  put_net(net: Net): void {
    this.tracer.call('put_net', () => [this.netName(net)], () => {
      net.count -= 1;
      if (net.count === 0) this.__put_net(net);
    });
  }

  // -------------------------------- lib/idr.c, include/linux/list.h and rculist.h

  private ida_remove(id: number): void {
    this.tracer.leaf('ida_remove', () => ['&net_generic_ids', String(id)]);
    this.net_generic_ids.remove(id);
  }

  /** list_add_tail(&ops->list, list): inserts just before that node; the head means at the tail. */
  private list_add_tail(ops: PernetOps, list: string | null): void {
    this.tracer.leaf('list_add_tail', () => [ops.name, listHead(list)]);
    const pernet_list = this.state.pernet_list;
    const at = list === null ? -1 : pernet_list.findIndex((o) => o.name === list);
    this.work.ops += at === -1 ? 0 : at + 1;
    if (at === -1) pernet_list.push(ops);
    else pernet_list.splice(at, 0, ops);
    this.opsByName.set(ops.name, ops);
  }

  private list_del(ops: PernetOps): void {
    this.tracer.leaf('list_del', () => [ops.name]);
    this.state.pernet_list.splice(this.state.pernet_list.indexOf(ops), 1);
    this.opsByName.delete(ops.name);
  }

  private list_add_tail_rcu(net: Net): void {
    this.tracer.leaf('list_add_tail_rcu', () => [this.netName(net), 'net_namespace_list']);
    this.nets.add(net);
  }

  private list_del_rcu(net: Net): void {
    this.tracer.leaf('list_del_rcu', () => [this.netName(net)]);
    this.nets.delete(net);
  }
}

/** A zeroed struct net, as kmem_cache_zalloc() gives it (and init_net starts), with its generic array. */
function zeroedNet(serial: number, gen: Net['gen']): Net {
  return {
    serial,
    proc_inum: null,
    count: 0,
    passive: 0,
    dev_base_seq: 0,
    user_ns: 'init_user_ns',
    loopback_dev: null,
    gen,
    nsids: [],
  };
}

/** A list position as the trace shows it: the head, or the node of the ops it names. */
function listHead(node: string | null): string {
  return node === null ? '&pernet_list' : `&${node}.list`;
}
