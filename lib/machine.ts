// The emulated machine as commands drive it: the kernel (lib/net_namespace.ts) and what ipsim keeps
// around it, /run/netns (run_netns.ts), the processes holding references (holders.ts), fault
// injection (faults.ts), trace names (trace_names.ts) and the allocators' directives
// (allocators.ts). Each entry point first refuses what the kernel would not survive and what ipsim
// does not allow (Refused), then calls into the kernel, and records that the state changed, so a
// command that changed nothing writes nothing.
import { idsInUse, procReserve } from './allocators.js';
import { changeFaults, checkFaults, initFault, kzallocFails, type FaultChange } from './faults.js';
import { addHolder, holderStarted, removeHolder } from './holders.js';
import { Kernel, NET_NS_CALLBACKS, NET_NS_OPS, type NewIdResult } from './net_namespace.js';
import { Refused } from './refused.js';
import { RunNetns, type NameEvent } from './run_netns.js';
import { C_IDENTIFIER, type Holder, type KernelState, type Net, type OpsKind, type PernetOps } from './state.js';
import { Tracer } from './trace.js';
import { TraceNames } from './trace_names.js';
import { newWork, type EngineWork } from './work.js';

/** What `pernet register-*` asks for: the ops before the kernel has written its id (id: wants one). */
export type OpsSpec = Omit<PernetOps, 'kind' | 'id'> & { id: boolean };

export class Machine {
  private readonly kernel: Kernel;
  readonly work: EngineWork = newWork();
  /** Set by every change, so a command that changed nothing writes nothing. */
  dirty = false;
  private readonly runNetns: RunNetns;
  private readonly traceNames: TraceNames;

  constructor(
    readonly state: KernelState,
    readonly tracer = new Tracer(),
  ) {
    const selects = (selector: string, net: Net): boolean => this.traceNames.selects(selector, net);
    this.kernel = new Kernel(state, tracer, this.work, {
      netName: (net) => this.traceNames.netName(net),
      kzallocFails: (ops, net) => kzallocFails(ops, net, selects),
      initFault: (ops, net) => initFault(ops, net, selects),
    });
    this.runNetns = new RunNetns(state, this.work, (serial) => this.kernel.netBySerialNo(serial));
    this.traceNames = new TraceNames(this.kernel, this.runNetns);
  }

  private changed(): void {
    this.dirty = true;
  }

  // -------------------------------- lookups

  get init_net(): Net | undefined {
    return this.kernel.init_net;
  }

  netBySerialNo(serial: number): Net | undefined {
    return this.kernel.netBySerialNo(serial);
  }

  ops(name: string): PernetOps | undefined {
    return this.kernel.ops(name);
  }

  // -------------------------------- the kernel's entry points

  /** net_ns_init(), once. */
  net_ns_init(): void {
    if (this.state.initialized) throw new Refused('net_ns_init() has already run');
    this.changed();
    this.kernel.net_ns_init();
    this.state.initialized = true;
  }

  copy_net_ns(flags: number, user_ns: 'init_user_ns', old_net: Net): Net | number {
    this.requireInit();
    this.changed();
    return this.kernel.copy_net_ns(flags, user_ns, old_net);
  }

  get_net(net: Net): void {
    this.changed();
    this.kernel.get_net(net);
  }

  put_net(net: Net): void {
    this.changed();
    this.kernel.put_net(net);
  }

  net_drop_ns(net: Net): void {
    this.kernel.net_drop_ns(net);
  }

  /** atomic_inc(&net->passive), as net_grab_current_ns() does for sysfs (net/core/net-sysfs.c). */
  grab_passive(net: Net): void {
    net.passive += 1;
  }

  /** The end of a command: cleanup_net() over what it queued. */
  drainNetnsWq(): void {
    this.kernel.drainNetnsWq();
  }

  register_pernet_subsys(spec: OpsSpec): number {
    const ops = this.newOps(spec, 'subsys');
    this.changed();
    return this.kernel.register_pernet_subsys(ops);
  }

  register_pernet_device(spec: OpsSpec): number {
    const ops = this.newOps(spec, 'device');
    this.changed();
    return this.kernel.register_pernet_device(ops);
  }

  unregister_pernet_subsys(name: string): void {
    const ops = this.unregistrable(name, 'subsys');
    this.changed();
    this.kernel.unregister_pernet_subsys(ops);
  }

  unregister_pernet_device(name: string): void {
    const ops = this.unregistrable(name, 'device');
    this.changed();
    this.kernel.unregister_pernet_device(ops);
  }

  peernet2id(net: Net, peer: Net): number {
    return this.kernel.peernet2id(net, peer);
  }

  /** The peer net knows as nsid, if that peer is alive. */
  peerById(net: Net, nsid: number): Net | undefined {
    const serial = this.kernel.nsids.peerAt(net, nsid);
    return serial === undefined ? undefined : this.kernel.netBySerialNo(serial);
  }

  rtnl_net_newid(net: Net, peer: Net, reqid: number): NewIdResult {
    const result = this.kernel.rtnl_net_newid(net, peer, reqid);
    if (result.ok) this.changed();
    return result;
  }

  // -------------------------------- /run/netns

  netByName(name: string): Net | undefined {
    return this.runNetns.netByName(name);
  }

  namesOf(net: Net): readonly string[] {
    return this.runNetns.namesOf(net);
  }

  readdir(): { name: string; net: Net }[] {
    return this.runNetns.readdir();
  }

  /** readdir()'s names alone: all `netns list` needs when the current namespace has no nsids. */
  readdirNames(): string[] {
    return this.runNetns.readdirNames();
  }

  /** Binds a name to a namespace; the caller has already given the name its reference. */
  bindName(name: string, net: Net): void {
    this.runNetns.bind(name, net);
    this.changed();
  }

  /** Unbinds a name and drops its reference. */
  unbindName(name: string): void {
    const net = this.runNetns.unbind(name);
    this.changed();
    this.put_net(net);
  }

  /** A /run/netns file created or removed, in iproute2's file-operation order. */
  nameEvent(ev: 'add' | 'delete', name: string): void {
    this.runNetns.event(ev, name);
    this.changed();
  }

  /** The name events since the state was last written. */
  get nameEvents(): NameEvent[] {
    return this.runNetns.events;
  }

  // -------------------------------- trace names

  netName(net: Net): string {
    return this.traceNames.netName(net);
  }

  alias(net: Net, name: string): void {
    this.traceNames.alias(net, name);
  }

  nameNextNet(name: string): void {
    this.traceNames.nameNextNet(name);
  }

  endCommand(): void {
    this.traceNames.endCommand();
  }

  resolveSelector(selector: string): Net[] | undefined {
    return this.traceNames.resolveSelector(selector);
  }

  // -------------------------------- processes holding references

  /** A process started in net: it holds a reference (get_net) until it exits. */
  addHolder(holder: Holder, net: Net): void {
    this.get_net(net);
    addHolder(this.state.holders, holder);
  }

  holderStarted(holder: Holder, pid: number, startTime: string): void {
    holderStarted(holder, pid, startTime);
    this.changed();
  }

  /** The process is gone: its reference goes with put_net (cleanup_net runs when the command ends). */
  dropHolder(holder: Holder): void {
    if (!removeHolder(this.state.holders, holder)) return;
    this.changed();
    const net = this.kernel.netBySerialNo(holder.serial);
    if (net) this.put_net(net);
  }

  // -------------------------------- fault injection, allocators

  changeFaults(name: string, change: FaultChange): void {
    changeFaults(this.registered(name), change);
    this.changed();
  }

  procReserve(count: number): void {
    procReserve(this.kernel, count);
    this.changed();
  }

  idsInUse(): { net_generic_ids: number[]; proc_inums: number[] } {
    return idsInUse(this.kernel);
  }

  // -------------------------------- what ipsim refuses

  private requireInit(): void {
    if (!this.state.initialized) throw new Refused('the kernel is not initialised: net_ns_init has not run');
  }

  /**
   * The ops a registration links, once checked: what the kernel would not survive (a name already
   * on pernet_list) and ipsim's own rules (C identifiers, net_ns_ops and its callbacks only by
   * net_ns_init, a size, faults that can happen). Its id is 0 until the kernel writes it.
   */
  private newOps(spec: OpsSpec, kind: OpsKind): PernetOps {
    checkIdentifier('ops', spec.name);
    for (const fn of [spec.init, spec.exit, spec.exit_batch]) if (fn !== null) checkIdentifier('callback', fn);
    if (this.kernel.ops(spec.name)) throw new Refused(`${spec.name} is already registered`);
    if (spec.name === NET_NS_OPS.name) throw new Refused('net_ns_ops is registered by net_ns_init');
    for (const fn of [spec.init, spec.exit, spec.exit_batch]) {
      if (fn !== null && NET_NS_CALLBACKS.has(fn)) throw new Refused(`${fn} can only be a callback of net_ns_ops`);
    }
    if (!Number.isSafeInteger(spec.size) || spec.size < 0) throw new Refused(`invalid size ${spec.size}`);
    checkFaults(spec.name, spec.init, spec.id && spec.size > 0, spec.fail_init, spec.fail_alloc);
    return {
      name: spec.name,
      kind,
      id: spec.id ? 0 : null,
      size: spec.size,
      init: spec.init,
      exit: spec.exit,
      exit_batch: spec.exit_batch,
      fail_init: [...spec.fail_init],
      fail_alloc: [...spec.fail_alloc],
    };
  }

  private registered(name: string): PernetOps {
    checkIdentifier('ops', name);
    const ops = this.kernel.ops(name);
    if (!ops) throw new Refused(`${name} is not registered`);
    return ops;
  }

  /** An ops unregister-KIND may remove: registered, not net_ns_ops, and of that kind. */
  private unregistrable(name: string, kind: OpsKind): PernetOps {
    const ops = this.registered(name);
    if (name === NET_NS_OPS.name) throw new Refused('net_ns_ops cannot be unregistered');
    if (ops.kind !== kind) {
      throw new Refused(`${name} is a ${ops.kind} ops; use "ipsim pernet unregister-${ops.kind}"`);
    }
    return ops;
  }
}

function checkIdentifier(what: 'ops' | 'callback', name: string): void {
  if (!C_IDENTIFIER.test(name)) throw new Refused(`invalid ${what} name "${name}": it must be a C identifier`);
}
