// Scenario helpers for test/kernel_scenarios.test.ts (spec: kernel-semantics.md §10).
// A Machine with tracing on, an OpsSpec builder whose callbacks are named after the ops
// (A_init, A_exit, A_exit_batch), namespace creation/destruction under stable trace names, and a
// compact callback log in the spec's notation: A.init(N1), C.init(N1)=-ENOMEM, B.exit(N1),
// B.exit_batch([N1]), free(A,N1). init_net is written N0, as in the spec.
import { ENOMEM, errnoName } from '../../lib/errno.js';
import type { Slot } from '../../lib/generic.js';
import { Machine, type OpsSpec } from '../../lib/machine.js';
import { CLONE_NEWNET } from '../../lib/net_namespace.js';
import { emptyState, type FailInit, type Net } from '../../lib/state.js';
import { formatRet, Tracer, type TraceEvent } from '../../lib/trace.js';

/** A kernel before net_ns_init(): no namespaces, so registrations only link. */
export function newKernel(): Machine {
  return new Machine(emptyState('test'), new Tracer(true));
}

/** A kernel after net_ns_init(): pernet_list = [net_ns_ops], nets [N0]; the boot trace is discarded. */
export function bootedKernel(): Machine {
  const kernel = newKernel();
  kernel.net_ns_init();
  kernel.tracer.take();
  return kernel;
}

export interface OpsOptions {
  /** true names the callback NAME_init; a string names it explicitly; absent is a NULL callback. */
  init?: boolean | string;
  exit?: boolean | string;
  exit_batch?: boolean | string;
  id?: boolean;
  size?: number;
  fail_init?: FailInit[];
  fail_alloc?: string[];
}

/** ops('A', {init: true, exit: true, id: true, size: 8}) → an OpsSpec with A_init and A_exit. */
export function ops(name: string, options: OpsOptions = {}): OpsSpec {
  const callback = (value: boolean | string | undefined, hook: string): string | null => {
    if (value === undefined || value === false) return null;
    return value === true ? `${name}_${hook}` : value;
  };
  return {
    name,
    id: options.id ?? false,
    size: options.size ?? 0,
    init: callback(options.init, 'init'),
    exit: callback(options.exit, 'exit'),
    exit_batch: callback(options.exit_batch, 'exit_batch'),
    fail_init: options.fail_init ?? [],
    fail_alloc: options.fail_alloc ?? [],
  };
}

/** A fail_init entry: init returns -errno on the namespaces the selector matches. */
export function failOn(net: string, errno = ENOMEM): FailInit {
  return { net, errno };
}

/** The spec's name for a namespace's trace name: init_net is N0. */
function specName(name: string): string {
  return name === 'init_net' ? 'N0' : name;
}

export interface LogOptions {
  /** Keep only callback/free events of these ops (other kernel calls named in `marks` stay). */
  only?: readonly string[];
  /** Non-callback kernel calls to keep in the log, rendered fn(args)=ret, e.g. list_del_rcu(N1); assignments as first_device = &D.list. */
  marks?: readonly string[];
}

/** One line per callback (and per marked kernel call), in trace order. */
export function hookLog(events: readonly TraceEvent[], options: LogOptions = {}): string[] {
  const out: string[] = [];
  for (const event of events) {
    if ('assign' in event) {
      if (options.marks?.includes(event.fn)) out.push(`${event.fn} = ${event.assign}`);
      continue;
    }
    if (!('hook' in event)) {
      if (!options.marks?.includes(event.fn)) continue;
      const call = `${event.fn}(${(event.args ?? []).map(specName).join(', ')})`;
      out.push(event.ret === undefined ? call : `${call}=${formatRet(event.ret)}`);
      continue;
    }
    if (options.only && !options.only.includes(event.ops)) continue;
    switch (event.hook) {
      case 'init':
        out.push(`${event.ops}.init(${specName(event.net)})${event.ret === 0 ? '' : `=-${errnoName(-event.ret)}`}`);
        break;
      case 'exit':
        out.push(`${event.ops}.exit(${specName(event.net)})`);
        break;
      case 'exit_batch':
        out.push(`${event.ops}.exit_batch([${event.nets.map(specName).join(', ')}])`);
        break;
      case 'free':
        out.push(`free(${event.ops},${specName(event.net)})`);
        break;
    }
  }
  return out;
}

/** Takes (and clears) the kernel's trace and returns its compact log. */
export function takeLog(kernel: Machine, options: LogOptions = {}): string[] {
  return hookLog(kernel.tracer.take(), options);
}

/** `netns add NAME`: copy_net_ns(CLONE_NEWNET) named NAME in the trace, the name then owning the reference. */
export function createNet(kernel: Machine, name: string): Net | number {
  kernel.nameNextNet(name);
  const net = kernel.copy_net_ns(CLONE_NEWNET, 'init_user_ns', kernel.init_net!);
  if (typeof net !== 'number') kernel.bindName(name, net);
  kernel.endCommand();
  return net;
}

/** createNet for a scenario's start state, where creation must succeed. */
export function mustCreateNet(kernel: Machine, name: string): Net {
  const net = createNet(kernel, name);
  if (typeof net === 'number') throw new Error(`creating ${name} failed with ${net}`);
  return net;
}

/** The namespace a spec name denotes: N0 is init_net, others are bound names. */
export function netOf(kernel: Machine, name: string): Net {
  const net = name === 'N0' ? kernel.init_net : kernel.netByName(name);
  if (!net) throw new Error(`no namespace ${name}`);
  return net;
}

/** Drops the name's reference (put_net), keeping NAME as the trace name until drain(). */
export function releaseName(kernel: Machine, name: string): Net {
  const net = netOf(kernel, name);
  kernel.alias(net, name);
  kernel.unbindName(name);
  return net;
}

/** Runs the netns workqueue (one cleanup_net over the queued batch), then ends the command. */
export function drain(kernel: Machine): void {
  kernel.drainNetnsWq();
  kernel.endCommand();
}

/** `netns delete NAME` with the workqueue drained. */
export function destroyNet(kernel: Machine, name: string): Net {
  const net = releaseName(kernel, name);
  drain(kernel);
  return net;
}

/** pernet_list by ops name. */
export function pernetList(kernel: Machine): string[] {
  return kernel.state.pernet_list.map((o) => o.name);
}

/** net_namespace_list by spec name. */
export function netList(kernel: Machine): string[] {
  return kernel.state.net_namespace_list.map((net) => specName(kernel.netName(net)));
}

/** The generic id the kernel wrote through ops->id (null: no id pointer). */
export function idOf(kernel: Machine, name: string): number | null {
  const o = kernel.ops(name);
  if (!o) throw new Error(`${name} is not registered`);
  return o.id;
}

/** ptr[id-1] holding live data of ops. */
export function dataSlot(ops: string, id: number, size: number): Slot {
  return { index: id - 1, ops, size, state: 'data' };
}

/** ptr[id-1] still pointing at ops' freed data (3.x never NULLs it). */
export function staleSlot(ops: string, id: number, size: number): Slot {
  return { index: id - 1, ops, size, state: 'stale' };
}
