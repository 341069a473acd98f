// net/core/net_namespace.c (Linux 3.8-3.10): pernet_list and first_device, the registration and
// unregistration paths, setup_net with its undo, copy_net_ns, the refcounts and cleanup_net.
// Functions keep their kernel names so this file can be read beside the source; the nsid tables
// (modern kernels, what `ip netns set/list-id` talk to) and the /run/netns names live here too
// because every kernel path above has to see them.
import { INITIAL_NET_GEN_PTRS, KernelBug, net_alloc_generic, net_generic, storeSlot, type Slot } from './generic.js';
import { Ida } from './idr.js';
import { proc_alloc_inum, proc_free_inum, PROC_DYNAMIC_FIRST } from './proc_fs.js';
import type { FailInit, Holder, KernelState, Net, NetnsName, NsidEntry, OpsKind, PernetOps } from './state.js';
import { EEXIST, ENOMEM, MAX_ERRNO } from './errno.js';
import { formatRet, Tracer } from './trace.js';

export const CLONE_NEWNET = 0x40000000;

/** What the kernel leaves undefined (it would corrupt memory): ipsim refuses it instead. */
export class Refused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Refused';
  }
}

/** panic(): the boot cannot go on. */
export class KernelPanic extends Error {
  constructor(message: string) {
    super(`Kernel panic - not syncing: ${message}`);
    this.name = 'KernelPanic';
  }
}

/** What `pernet register-*` asks for: the ops before the kernel has written its id (id: wants one). */
export type OpsSpec = Omit<PernetOps, 'kind' | 'id'> & { id: boolean };

export interface FaultChange {
  clear: boolean;
  init: FailInit[];
  alloc: string[];
}

/** A name bound or unbound in /run/netns, for `monitor`'s journal (contract §9.8). */
export interface NameEvent {
  ev: 'add' | 'delete';
  name: string;
}

/**
 * What the engine's walks touched since the kernel was loaded: the suite checks with these, not
 * with timers, that an operation's work is linear in what the kernel touches (contract §9.1).
 */
export interface EngineWork {
  /** Namespaces visited by a walk: a list, a cleanup batch, an ops' exit or free list, an nsid table. */
  nets: number;
  /** pernet_operations visited by a walk over pernet_list. */
  ops: number;
  /** Entries copied or moved: into a rebuilt list, table or index, or by reordering a list. */
  moved: number;
}

/** The result of rtnl_net_newid(): 0, or the extack the kernel sets. */
export type NewIdResult = { ok: true; nsid: number } | { ok: false; errno: number; extack: string };

const C_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A selector naming a namespace by its proc inode number, as readlink /proc/PID/ns/net prints it. */
const NET_INUM = /^net:\[([1-9][0-9]*)\]$/;

/** net_ns_ops, which net_ns_init() registers and nothing else may. */
export const NET_NS_OPS: OpsSpec = {
  name: 'net_ns_ops',
  id: false,
  size: 0,
  init: 'net_ns_net_init',
  exit: 'net_ns_net_exit',
  exit_batch: null,
  fail_init: [],
  fail_alloc: [],
};
/** Its callbacks, whose effect on the proc IDA only net_ns_ops may have (contract §9.7). */
export const NET_NS_CALLBACKS: ReadonlySet<string | null> = new Set([NET_NS_OPS.init, NET_NS_OPS.exit]);

export function isValidNetnsName(name: string): boolean {
  // iproute2's is_valid_netns_name(): non-empty, at most NAME_MAX bytes, no '/', not . or ..
  return (
    name.length > 0 &&
    Buffer.byteLength(name, 'utf8') <= 255 &&
    !name.includes('/') &&
    name !== '.' &&
    name !== '..'
  );
}

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

export class Kernel {
  readonly tracer: Tracer;
  /** Set by every change, so a command that changed nothing writes nothing. */
  dirty = false;
  readonly nameEvents: NameEvent[] = [];

  readonly work: EngineWork = { nets: 0, ops: 0, moved: 0 };

  /**
   * net_namespace_list and /run/netns are kept as insertion-ordered maps, so that unlinking one
   * entry costs O(1) as list_del_rcu does; state.net_namespace_list and state.names are views
   * of them, rebuilt on the first read after an unlink (a read walks the whole list anyway).
   */
  private readonly netBySerial = new Map<number, Net>();
  private netList: Net[] | undefined;
  private nameIndex: { byName: Map<string, NetnsName>; bySerial: Map<number, string[]> } | undefined;
  private nameList: NetnsName[] | undefined;
  private readonly opsByName = new Map<string, PernetOps>();
  /** For each namespace, the namespaces whose nsid table has an entry for it (unhash_nsid's walk). */
  private readonly nsidHolders = new Map<number, Set<Net>>();
  /** peernet2id's lookup, per table (an idr lookup in the kernel); a changed table is a new key. */
  private readonly nsidByPeer = new WeakMap<NsidEntry[], Map<number, number>>();
  private readonly net_generic_ids: Ida;
  private procIda: Ida | undefined;
  /**
   * __put_net() adds at the head of cleanup_list; this array holds it tail first, so appending is
   * O(1) and cleanup_net() reads it backwards.
   */
  private cleanup_list: Net[] = [];
  /** Trace names a command gives its namespaces (contract §4: the name it adds or deletes). */
  private readonly aliases = new Map<number, string>();
  private nextNetAlias: string | undefined;

  /** Indexes and allocators are rebuilt once per load (contract §9.1). */
  constructor(
    readonly state: KernelState,
    tracer = new Tracer(),
  ) {
    this.tracer = tracer;
    const nets = state.net_namespace_list;
    for (const net of nets) {
      this.netBySerial.set(net.serial, net);
      if (net.nsids.length > 0) for (const entry of net.nsids) this.holdsNsid(net, entry.peer);
    }
    for (const ops of state.pernet_list) this.opsByName.set(ops.name, ops);
    this.netList = nets;
    this.nameList = state.names;
    Object.defineProperty(state, 'net_namespace_list', { configurable: true, enumerable: true, get: () => this.netNamespaceList() });
    Object.defineProperty(state, 'names', { configurable: true, enumerable: true, get: () => this.runNetnsList() });
    this.net_generic_ids = new Ida(state.pernet_list.flatMap((ops) => (ops.id === null ? [] : [ops.id])));
  }

  /** The name indexes, built at their first use: `netns list` and `show` need neither. */
  private get bound(): { byName: Map<string, NetnsName>; bySerial: Map<number, string[]> } {
    if (!this.nameIndex) {
      const byName = new Map<string, NetnsName>();
      const bySerial = new Map<number, string[]>();
      for (const entry of this.runNetnsList()) {
        byName.set(entry.name, entry);
        const bound = bySerial.get(entry.serial);
        if (bound) bound.push(entry.name);
        else bySerial.set(entry.serial, [entry.name]);
      }
      this.nameIndex = { byName, bySerial };
    }
    return this.nameIndex;
  }

  /** The proc IDA, rebuilt at its first use from the live namespaces' inode numbers. */
  private get proc_inum_ida(): Ida {
    if (!this.procIda) {
      const inums: number[] = [];
      for (const net of this.netBySerial.values()) if (net.proc_inum !== null) inums.push(net.proc_inum - PROC_DYNAMIC_FIRST);
      this.procIda = new Ida(inums, this.state.proc_reserved);
    }
    return this.procIda;
  }

  private netNamespaceList(): Net[] {
    if (!this.netList) {
      this.netList = [...this.netBySerial.values()];
      this.work.moved += this.netList.length;
    }
    return this.netList;
  }

  private runNetnsList(): NetnsName[] {
    if (!this.nameList) {
      this.nameList = [...this.bound.byName.values()];
      this.work.moved += this.nameList.length;
    }
    return this.nameList;
  }

  // ---------------------------------------------------------------- lookups and names

  get init_net(): Net | undefined {
    return this.netBySerial.get(0);
  }

  netBySerialNo(serial: number): Net | undefined {
    return this.netBySerial.get(serial);
  }

  ops(name: string): PernetOps | undefined {
    return this.opsByName.get(name);
  }

  /** The namespace a /run/netns name is bound to. */
  netByName(name: string): Net | undefined {
    const entry = this.bound.byName.get(name);
    return entry === undefined ? undefined : this.netBySerial.get(entry.serial);
  }

  /** Bound names of a namespace, oldest first. */
  namesOf(net: Net): readonly string[] {
    return this.bound.bySerial.get(net.serial) ?? [];
  }

  /** /run/netns as readdir() on tmpfs returns it: newest first. An array: a loop runs once, cold. */
  readdir(): { name: string; net: Net }[] {
    const names = this.state.names;
    const out: { name: string; net: Net }[] = [];
    for (let i = names.length - 1; i >= 0; i -= 1) {
      const entry = names[i]!;
      out.push({ name: entry.name, net: this.netBySerial.get(entry.serial)! });
    }
    return out;
  }

  /** How JSON and traces name a namespace (contract §4). */
  netName(net: Net): string {
    if (net.serial === 0) return 'init_net';
    const alias = this.aliases.get(net.serial);
    if (alias !== undefined) return traceName(alias);
    const names = this.bound.bySerial.get(net.serial);
    if (names && names.length > 0) return traceName(names[0]!);
    return `net:[${net.proc_inum ?? '?'}]`;
  }

  /** Selector resolution (contract §9.7): a bound name, init_net, net:[INUM] of a live namespace, then *. */
  resolveSelector(selector: string): Net[] | undefined {
    const named = this.netByName(selector);
    if (named) return [named];
    if (selector === 'init_net' && this.init_net) return [this.init_net];
    const inum = NET_INUM.exec(selector);
    if (inum) {
      const net = this.state.net_namespace_list.find((n) => n.proc_inum === Number(inum[1]));
      if (net) return [net];
    }
    if (selector === '*') return [...this.state.net_namespace_list];
    return undefined;
  }

  /**
   * Whether a stored fault selector names the namespace a callback runs on, resolved at that moment
   * in the order of resolveSelector (contract §9.7): a bound name (the namespace `netns add NAME`
   * is setting up counts as bound to NAME), init_net, net:[INUM] by its proc inode number now, *.
   */
  private selects(selector: string, net: Net): boolean {
    const bound = this.bound.byName.get(selector)?.serial;
    if (bound !== undefined) return bound === net.serial;
    if (this.aliases.get(net.serial) === selector) return true;
    if (selector === 'init_net') return net.serial === 0;
    const inum = NET_INUM.exec(selector);
    if (inum) return net.proc_inum === Number(inum[1]);
    return selector === '*';
  }

  /** Gives the namespace the command works on its trace name until endCommand(). */
  alias(net: Net, name: string): void {
    this.aliases.set(net.serial, name);
  }

  /** The trace name of the namespace the next net_alloc() creates (`netns add NAME`). */
  nameNextNet(name: string): void {
    this.nextNetAlias = name;
  }

  endCommand(): void {
    // Map.prototype.clear allocates a new table even for an empty map: a batch line pays it once.
    if (this.aliases.size > 0) this.aliases.clear();
    this.nextNetAlias = undefined;
  }

  private names(nets: readonly Net[]): string {
    return `[${nets.map((net) => this.netName(net)).join(', ')}]`;
  }

  private touch(): void {
    this.dirty = true;
  }

  // ---------------------------------------------------------------- net_ns_init

  /** net_ns_init(): init_net's generic array, setup_net(&init_net, &init_user_ns), link, net_ns_ops. */
  net_ns_init(): void {
    if (this.state.initialized) throw new Refused('net_ns_init() has already run');
    this.touch();
    this.tracer.call('net_ns_init', () => [], () => {
      const ng = this.net_alloc_generic();
      if (!ng) throw new KernelPanic('Could not allocate generic netns');
      const init_net = this.newNet(0, ng);
      const err = this.setup_net(init_net, 'init_user_ns');
      if (err) throw new KernelPanic('Could not setup the initial network namespace');
      this.list_add_tail_rcu(init_net);
      // 3.x ignores the result: init_net simply has no proc inode if this fails.
      this.register_pernet_operations_checked(NET_NS_OPS, 'subsys', true);
      this.state.initialized = true;
    });
  }

  private newNet(serial: number, gen: Net['gen']): Net {
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

  /** net_alloc_generic(): a zeroed ptr[] of the current max_gen_ptrs, or NULL when kzalloc fails. */
  private net_alloc_generic(): Net['gen'] | undefined {
    const len = this.state.max_gen_ptrs;
    return this.tracer.call('net_alloc_generic', () => [], () => net_alloc_generic(len), (ng) => (ng ? `ng(len=${len})` : 'NULL'));
  }

  private list_add_tail_rcu(net: Net): void {
    this.tracer.leaf('list_add_tail_rcu', () => [this.netName(net), 'net_namespace_list']);
    this.netBySerial.set(net.serial, net);
    this.netList?.push(net);
  }

  private list_del_rcu(net: Net): void {
    this.tracer.leaf('list_del_rcu', () => [this.netName(net)]);
    this.netBySerial.delete(net.serial);
    // The newest namespace goes without a rebuild of the view (as -all delete's batch ends).
    const view = this.netList;
    if (view && view[view.length - 1] === net) view.pop();
    else this.netList = undefined;
  }

  // ---------------------------------------------------------------- ops_init and friends

  /** net_assign_generic(net, id, data): grows ptr[] to max_gen_ptrs when id does not fit. */
  private net_assign_generic(net: Net, id: number, slot: Slot): number {
    return this.tracer.call(
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
      (ret) => ret,
    );
  }

  /** ops_init(ops, net): zeroed data into ptr[id-1] when id && size, then init; a failed init leaves the slot stale. */
  private ops_init(ops: PernetOps, net: Net): number {
    return this.tracer.call(
      'ops_init',
      () => [ops.name, this.netName(net)],
      () => {
        let data: Slot | undefined;
        if (ops.id !== null && ops.size) {
          // data = kzalloc(ops->size, GFP_KERNEL); if (!data) goto out;
          const failed = ops.fail_alloc.some((sel) => this.selects(sel, net));
          this.tracer.leaf('kzalloc', () => [String(ops.size)], failed ? 'NULL' : 'data');
          if (failed) return -ENOMEM;
          data = { index: ops.id - 1, ops: ops.name, size: ops.size, state: 'data' };
          const err = this.net_assign_generic(net, ops.id, data);
          if (err) return err;
        }
        const err = ops.init ? this.callInit(ops, ops.init, net) : 0;
        if (!err) return 0;
        if (data) data.state = 'stale';
        return err;
      },
      (ret) => ret,
    );
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

  /** ops_free_list(ops, list): frees each namespace's generic data when the ops has id and size. */
  private ops_free_list(ops: PernetOps, nets: readonly Net[]): void {
    this.tracer.call('ops_free_list', () => [ops.name, this.names(nets)], () => {
      if (!ops.size || ops.id === null) return;
      this.work.nets += nets.length;
      for (const net of nets) this.ops_free(ops, ops.id, net);
    });
  }

  /** ops_free(ops, net): kfree(net_generic(net, *ops->id)); the pointer stays, stale. */
  private ops_free(ops: PernetOps, id: number, net: Net): void {
    this.tracer.free(ops.name, () => this.netName(net));
    net_generic(net.gen, id).state = 'stale';
  }

  // ---------------------------------------------------------------- callbacks

  private callInit(ops: PernetOps, fn: string, net: Net): number {
    return this.tracer.init(fn, ops.name, () => this.netName(net), () => {
      const fault = ops.fail_init.find((f) => this.selects(f.net, net));
      if (fault) return -fault.errno;
      switch (fn) {
        case 'net_ns_net_init':
          return this.net_ns_net_init(net);
        case 'loopback_net_init':
          net.loopback_dev = 'lo';
          return 0;
        default:
          return 0;
      }
    });
  }

  private callExit(ops: PernetOps, fn: string, net: Net): void {
    this.tracer.exit(fn, ops.name, () => this.netName(net), () => {
      if (fn === 'net_ns_net_exit') this.net_ns_net_exit(net);
    });
  }

  /** net_ns_net_init(net): proc_alloc_inum(&net->proc_inum). */
  private net_ns_net_init(net: Net): number {
    const { ret, inum } = proc_alloc_inum(this.proc_inum_ida);
    if (inum !== undefined) net.proc_inum = inum;
    this.tracer.leaf('proc_alloc_inum', () => [inum === undefined ? '&net->proc_inum' : `&net->proc_inum=${inum}`], ret);
    return ret;
  }

  /** net_ns_net_exit(net): proc_free_inum(net->proc_inum). */
  private net_ns_net_exit(net: Net): void {
    if (net.proc_inum === null) return;
    const inum = net.proc_inum;
    this.tracer.leaf('proc_free_inum', () => [String(inum)]);
    proc_free_inum(this.proc_inum_ida, inum);
  }

  // ---------------------------------------------------------------- setup_net / copy_net_ns

  /** setup_net(net, user_ns): ops_init over pernet_list; on failure exit then free, in reverse, the ops before the failing one. */
  setup_net(net: Net, user_ns: 'init_user_ns'): number {
    return this.tracer.call(
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
      (ret) => ret,
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
        if (this.nextNetAlias !== undefined) this.aliases.set(serial, this.nextNetAlias);
        this.nextNetAlias = undefined;
        return this.newNet(serial, ng);
      },
      (net) => (net ? this.netName(net) : 'NULL'),
    );
  }

  /**
   * copy_net_ns(flags, user_ns, old_net): without CLONE_NEWNET a reference on old_net; otherwise
   * a new namespace set up over pernet_list and appended to net_namespace_list, or -errno.
   */
  copy_net_ns(flags: number, user_ns: 'init_user_ns', old_net: Net): Net | number {
    this.requireInit();
    this.touch();
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

  /** net_drop_ns(net): drops the passive reference; at 0, net_free(). */
  net_drop_ns(net: Net): void {
    this.tracer.call('net_drop_ns', () => [this.netName(net)], () => {
      net.passive -= 1;
      if (net.passive === 0) this.tracer.leaf('net_free', () => [this.netName(net)]);
    });
  }

  /** atomic_inc(&net->passive), as net_grab_current_ns() does for sysfs. */
  grab_passive(net: Net): void {
    net.passive += 1;
  }

  private requireInit(): void {
    if (!this.state.initialized) throw new Refused('the kernel is not initialised: net_ns_init has not run');
  }

  // ---------------------------------------------------------------- references and teardown

  get_net(net: Net): void {
    this.touch();
    this.tracer.leaf('get_net', () => [this.netName(net)]);
    net.count += 1;
  }

  /** put_net(net): at count 0, __put_net() queues it for cleanup_net(). init_net never gets there. */
  put_net(net: Net): void {
    this.touch();
    this.tracer.call('put_net', () => [this.netName(net)], () => {
      net.count -= 1;
      if (net.count === 0) this.__put_net(net);
    });
  }

  private __put_net(net: Net): void {
    this.tracer.leaf('__put_net', () => [this.netName(net)]);
    this.cleanup_list.push(net);
  }

  /** The netns workqueue: one cleanup_net() over everything queued since it last ran. */
  drainNetnsWq(): void {
    if (this.cleanup_list.length > 0) this.cleanup_net();
  }

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

  // ---------------------------------------------------------------- registration

  register_pernet_subsys(spec: OpsSpec): number {
    return this.register_pernet_operations_checked(spec, 'subsys', false);
  }

  register_pernet_device(spec: OpsSpec): number {
    return this.register_pernet_operations_checked(spec, 'device', false);
  }

  private register_pernet_operations_checked(spec: OpsSpec, kind: OpsKind, byNetNsInit: boolean): number {
    this.checkSpec(spec, byNetNsInit);
    this.touch();
    const ops: PernetOps = {
      name: spec.name,
      kind,
      id: null,
      size: spec.size,
      init: spec.init,
      exit: spec.exit,
      exit_batch: spec.exit_batch,
      fail_init: [...spec.fail_init],
      fail_alloc: [...spec.fail_alloc],
    };
    return this.tracer.call(
      kind === 'subsys' ? 'register_pernet_subsys' : 'register_pernet_device',
      () => [ops.name],
      () => {
        if (kind === 'subsys') return this.register_pernet_operations(this.state.first_device, ops, spec.id);
        const error = this.register_pernet_operations(null, ops, spec.id);
        if (!error && this.state.first_device === null) {
          this.state.first_device = ops.name;
          this.tracer.assign('first_device', () => listHead(ops.name));
        }
        return error;
      },
      (ret) => ret,
    );
  }

  /** register_pernet_operations(list, ops): the generic id first, then the ops; on error the id goes back. */
  private register_pernet_operations(before: string | null, ops: PernetOps, wantsId: boolean): number {
    return this.tracer.call(
      'register_pernet_operations',
      () => [listHead(before), ops.name],
      () => {
        if (wantsId) {
          const id = this.net_generic_ids.getNewAbove(1);
          this.tracer.leaf('ida_get_new_above', () => ['&net_generic_ids', '1', id < 0 ? '&id' : `&id=${id}`], id < 0 ? id : 0);
          if (id < 0) return id;
          ops.id = id;
          this.state.max_gen_ptrs = Math.max(this.state.max_gen_ptrs, id);
        }
        const error = this.__register_pernet_operations(before, ops);
        if (error) this.tracer.leaf('rcu_barrier', () => []);
        if (error && ops.id !== null) {
          const id = ops.id;
          this.tracer.leaf('ida_remove', () => ['&net_generic_ids', String(id)]);
          this.net_generic_ids.remove(id);
        }
        return error;
      },
      (ret) => ret,
    );
  }

  /** __register_pernet_operations(list, ops): link, then ops_init on every namespace; undo all on the first error. */
  private __register_pernet_operations(before: string | null, ops: PernetOps): number {
    return this.tracer.call(
      '__register_pernet_operations',
      () => [listHead(before), ops.name],
      () => {
        this.list_add_tail(ops, before);
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
      (ret) => ret,
    );
  }

  /** list_add_tail(&ops->list, before): inserts just before that node; the head means at the tail. */
  private list_add_tail(ops: PernetOps, before: string | null): void {
    this.tracer.leaf('list_add_tail', () => [ops.name, listHead(before)]);
    const list = this.state.pernet_list;
    const at = before === null ? -1 : list.findIndex((o) => o.name === before);
    this.work.ops += at === -1 ? 0 : at + 1;
    if (at === -1) list.push(ops);
    else list.splice(at, 0, ops);
    this.opsByName.set(ops.name, ops);
  }

  private list_del(ops: PernetOps): void {
    this.tracer.leaf('list_del', () => [ops.name]);
    this.state.pernet_list.splice(this.state.pernet_list.indexOf(ops), 1);
    this.opsByName.delete(ops.name);
  }

  /** What the kernel would not survive, and ipsim's own rules for names (contract §3, §9.7). */
  private checkSpec(spec: OpsSpec, byNetNsInit: boolean): void {
    checkIdentifier('ops', spec.name);
    for (const fn of [spec.init, spec.exit, spec.exit_batch]) if (fn !== null) checkIdentifier('callback', fn);
    if (this.opsByName.has(spec.name)) throw new Refused(`${spec.name} is already registered`);
    if (spec.name === NET_NS_OPS.name && !byNetNsInit) throw new Refused('net_ns_ops is registered by net_ns_init');
    for (const fn of [spec.init, spec.exit, spec.exit_batch]) {
      if (fn !== null && NET_NS_CALLBACKS.has(fn) && !byNetNsInit) throw new Refused(`${fn} can only be a callback of net_ns_ops`);
    }
    if (!Number.isSafeInteger(spec.size) || spec.size < 0) throw new Refused(`invalid size ${spec.size}`);
    checkFaults(spec.name, spec.init, spec.id && spec.size > 0, spec.fail_init, spec.fail_alloc);
  }

  // ---------------------------------------------------------------- unregistration

  unregister_pernet_subsys(name: string): void {
    const ops = this.checkUnregister(name, 'subsys');
    this.touch();
    this.tracer.call('unregister_pernet_subsys', () => [name], () => this.unregister_pernet_operations(ops));
  }

  /** unregister_pernet_device(ops): first_device moves on to the next node before the ops is unlinked. */
  unregister_pernet_device(name: string): void {
    const ops = this.checkUnregister(name, 'device');
    this.touch();
    this.tracer.call('unregister_pernet_device', () => [name], () => {
      if (this.state.first_device === name) {
        const list = this.state.pernet_list;
        this.state.first_device = list[list.indexOf(ops) + 1]?.name ?? null;
        this.tracer.assign('first_device', () => listHead(this.state.first_device));
      }
      this.unregister_pernet_operations(ops);
    });
  }

  private unregister_pernet_operations(ops: PernetOps): void {
    this.tracer.call('unregister_pernet_operations', () => [ops.name], () => {
      this.__unregister_pernet_operations(ops);
      this.tracer.leaf('rcu_barrier', () => []);
      if (ops.id !== null) {
        const id = ops.id;
        this.tracer.leaf('ida_remove', () => ['&net_generic_ids', String(id)]);
        this.net_generic_ids.remove(id);
      }
    });
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

  private checkUnregister(name: string, kind: OpsKind): PernetOps {
    checkIdentifier('ops', name);
    const ops = this.opsByName.get(name);
    if (!ops) throw new Refused(`${name} is not registered`);
    if (name === 'net_ns_ops') throw new Refused('net_ns_ops cannot be unregistered');
    if (ops.kind !== kind) {
      throw new Refused(`${name} is a ${ops.kind} ops; use "ipsim pernet unregister-${ops.kind}"`);
    }
    return ops;
  }

  // ---------------------------------------------------------------- fault injection

  /** `pernet fail`: --clear first, then the new selectors appended in order. */
  changeFaults(name: string, change: FaultChange): void {
    checkIdentifier('ops', name);
    const ops = this.opsByName.get(name);
    if (!ops) throw new Refused(`${name} is not registered`);
    const fail_init = [...(change.clear ? [] : ops.fail_init), ...change.init];
    const fail_alloc = [...(change.clear ? [] : ops.fail_alloc), ...change.alloc];
    checkFaults(name, ops.init, ops.id !== null && ops.size > 0, change.init, change.alloc);
    this.touch();
    ops.fail_init = fail_init;
    ops.fail_alloc = fail_alloc;
  }

  // ---------------------------------------------------------------- /run/netns

  /** Binds a name to a namespace; the caller has already given the name its reference. */
  bindName(name: string, net: Net): void {
    const { byName, bySerial } = this.bound;
    if (byName.has(name)) throw new Error(`internal error: ${name} is already bound`);
    this.touch();
    const entry = { name, serial: net.serial };
    byName.set(name, entry);
    this.nameList?.push(entry);
    const names = bySerial.get(net.serial);
    if (names) names.push(name);
    else bySerial.set(net.serial, [name]);
  }

  /** Unbinds a name and drops its reference. */
  unbindName(name: string): void {
    const net = this.netByName(name);
    if (!net) throw new Refused(`${name} is not bound`);
    this.touch();
    const { byName, bySerial } = this.bound;
    const entry = byName.get(name);
    byName.delete(name);
    // -all delete unbinds newest first: each is the view's last entry.
    const view = this.nameList;
    if (view && view[view.length - 1] === entry) view.pop();
    else this.nameList = undefined;
    const names = bySerial.get(net.serial)!;
    names.splice(names.indexOf(name), 1);
    if (names.length === 0) bySerial.delete(net.serial);
    this.put_net(net);
  }

  /** A /run/netns file created or removed, in iproute2's file-operation order. */
  nameEvent(ev: 'add' | 'delete', name: string): void {
    this.touch();
    this.nameEvents.push({ ev, name });
  }

  // ---------------------------------------------------------------- processes (netns exec)

  /** A process started in net: it holds a reference (get_net) until it exits. */
  addHolder(holder: Holder, net: Net): void {
    this.get_net(net);
    this.state.holders.push(holder);
  }

  /** The holder's CMD now runs as pid, started at startTime. */
  holderStarted(holder: Holder, pid: number, startTime: string): void {
    this.touch();
    holder.cmd_pid = pid;
    holder.cmd_start = startTime;
  }

  /** The process is gone: its reference goes with put_net (cleanup_net runs when the command ends). */
  dropHolder(holder: Holder): void {
    const at = this.state.holders.indexOf(holder);
    if (at === -1) return;
    this.touch();
    this.state.holders.splice(at, 1);
    const net = this.netBySerial.get(holder.serial);
    if (net) this.put_net(net);
  }

  // ---------------------------------------------------------------- nsids (modern kernels)

  /** peernet2id(net, peer): the id net has for peer, or -1 (NETNSA_NSID_NOT_ASSIGNED). */
  peernet2id(net: Net, peer: Net): number {
    const table = net.nsids;
    if (table.length === 0) return -1;
    let byPeer = this.nsidByPeer.get(table);
    if (!byPeer) {
      byPeer = new Map(table.map((e) => [e.peer, e.nsid]));
      this.work.moved += table.length;
      this.nsidByPeer.set(table, byPeer);
    }
    return byPeer.get(peer.serial) ?? -1;
  }

  /** The peer net knows as nsid, if that peer is alive. */
  peerById(net: Net, nsid: number): Net | undefined {
    const table = net.nsids;
    const at = nsidIndex(table, nsid);
    return table[at]?.nsid === nsid ? this.netBySerial.get(table[at]!.peer) : undefined;
  }

  /** rtnl_net_newid(): assigns nsid (or, at -1, the lowest free) in net's table to peer; ids never change. */
  rtnl_net_newid(net: Net, peer: Net, reqid: number): NewIdResult {
    if (this.peernet2id(net, peer) >= 0) return { ok: false, errno: EEXIST, extack: 'Peer netns already has a nsid assigned' };
    const table = net.nsids;
    let nsid = reqid;
    if (reqid >= 0) {
      if (table[nsidIndex(table, reqid)]?.nsid === reqid) return { ok: false, errno: EEXIST, extack: 'The specified nsid is already used' };
    } else {
      nsid = 0;
      for (const e of table) {
        if (e.nsid === nsid) nsid += 1;
        else if (e.nsid > nsid) break;
      }
    }
    this.touch();
    this.tracer.leaf('alloc_netid', () => [this.netName(net), this.netName(peer), String(reqid)], nsid);
    table.splice(nsidIndex(table, nsid), 0, { nsid, peer: peer.serial });
    this.nsidByPeer.delete(table);
    this.holdsNsid(net, peer.serial);
    return { ok: true, nsid };
  }

  private holdsNsid(net: Net, peer: number): void {
    const holders = this.nsidHolders.get(peer);
    if (holders) holders.add(net);
    else this.nsidHolders.set(peer, new Set([net]));
  }

  /**
   * unhash_nsid(net): forget net in every live table and drop its own. The kernel walks every
   * namespace; here only the tables that hold net are visited (nsidHolders), and each drops its
   * dead peers in one pass when next read, however many die before that (pruneOnRead).
   */
  private unhash_nsid(net: Net): void {
    // 3.10 has no nsids (Linux 4.0 added them): the call is shown, and made, only where there are some.
    if (!this.hasNsids(net)) return;
    this.tracer.leaf('unhash_nsid', () => [this.netName(net)]);
    const holders = this.nsidHolders.get(net.serial);
    if (holders) {
      this.work.nets += holders.size;
      for (const other of holders) this.pruneOnRead(other);
      this.nsidHolders.delete(net.serial);
    }
    const own = net.nsids;
    this.work.nets += own.length;
    for (const entry of own) this.nsidHolders.get(entry.peer)?.delete(net);
    net.nsids = [];
  }

  /**
   * Turns net.nsids into a getter that filters out the peers no longer on net_namespace_list and
   * then puts the filtered array back as a plain property: removing an entry costs O(1), and the
   * table is rebuilt once, by whatever reads it next (a lookup, `list-id`, the state file).
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
        const live = table.filter((e) => this.netBySerial.has(e.peer));
        this.work.moved += live.length;
        settle(live);
        return live;
      },
      set: settle,
    });
  }

  /** Whether net has an nsid table of its own or an nsid in another namespace's table. */
  private hasNsids(net: Net): boolean {
    return (this.nsidHolders.get(net.serial)?.size ?? 0) > 0 || net.nsids.length > 0;
  }

  // ---------------------------------------------------------------- boot profile directives

  /** `proc reserve N`: proc IDA indices 0..N-1 are taken by /proc entries created before net_ns_init. */
  procReserve(count: number): void {
    if (this.state.initialized) throw new Refused('proc reserve must come before net_ns_init');
    if (!Number.isSafeInteger(count) || count < 0 || count > MAX_PROC_RESERVE) {
      throw new Refused(`proc reserve takes 0..${MAX_PROC_RESERVE}`);
    }
    this.touch();
    this.state.proc_reserved = count;
    this.procIda = new Ida([], count);
  }

  /** The allocators as `show ids` prints them. */
  idsInUse(): { net_generic_ids: number[]; proc_inums: number[] } {
    return {
      net_generic_ids: this.net_generic_ids.ids(),
      proc_inums: this.proc_inum_ida.ids().map((i) => PROC_DYNAMIC_FIRST + i),
    };
  }
}

/** Large enough for any real boot's /proc entries; keeps `show ids` printable. */
export const MAX_PROC_RESERVE = 65536;

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

/**
 * A bound name as traces and JSON show it: as it is, unless it could be read as something else,
 * then as a JSON string. Quoted: init_net's name and the net:[INUM] form (ip binds any name), a
 * leading quote (so quoted and raw never meet), and what separates a trace's arguments and lists
 * (`,`, brackets, parentheses), whitespace and control characters.
 */
export function traceName(name: string): string {
  return name === 'init_net' || name.startsWith('net:[') || /^"|[,()[\]\s\p{Cc}]/u.test(name) ? JSON.stringify(name) : name;
}

/** A list position as the trace shows it: the head, or the node of the ops it names. */
function listHead(before: string | null): string {
  return before === null ? '&pernet_list' : `&${before}.list`;
}

function checkIdentifier(what: 'ops' | 'callback', name: string): void {
  if (!C_IDENTIFIER.test(name)) throw new Refused(`invalid ${what} name "${name}": it must be a C identifier`);
}

function checkFaults(name: string, init: string | null, hasData: boolean, fail_init: readonly FailInit[], fail_alloc: readonly string[]): void {
  if (fail_init.length > 0 && init === null) throw new Refused(`${name} has no init callback to fail`);
  if (fail_alloc.length > 0 && !hasData) throw new Refused(`${name} allocates no generic data (it needs --id and a non-zero --size)`);
  for (const f of fail_init) {
    if (!Number.isInteger(f.errno) || f.errno < 1 || f.errno > MAX_ERRNO) throw new Refused(`invalid errno ${f.errno}`);
  }
  for (const sel of [...fail_init.map((f) => f.net), ...fail_alloc]) {
    if (sel !== '*' && !isValidNetnsName(sel)) throw new Refused(`invalid namespace selector "${sel}"`);
  }
}
