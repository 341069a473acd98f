// Fault injection, kept with each ops (`--fail-init NET[:ERRNO]`, `--fail-alloc NET`, `pernet fail`):
// which callbacks and allocations fail on which namespaces, and the rules a change must keep. The
// kernel asks through its hooks (lib/net_namespace.ts, KernelHooks) when ops_init runs.
import { MAX_ERRNO } from './errno.js';
import { Refused } from './refused.js';
import { isValidNetnsName } from './run_netns.js';
import type { FailInit, Net, PernetOps } from './state.js';

/** `pernet fail`'s change: --clear first, then the new selectors appended in order. */
export interface FaultChange {
  clear: boolean;
  init: FailInit[];
  alloc: string[];
}

/** Whether a stored selector names net when the callback runs (TraceNames.selects). */
export type Selects = (selector: string, net: Net) => boolean;

/** ops_init's kzalloc(ops->size) fails on net: one of ops' --fail-alloc selectors names it. */
export function kzallocFails(ops: PernetOps, net: Net, selects: Selects): boolean {
  return ops.fail_alloc.length > 0 && ops.fail_alloc.some((sel) => selects(sel, net));
}

/** The errno ops' init callback returns on net: the first --fail-init selector naming it decides; 0 for none. */
export function initFault(ops: PernetOps, net: Net, selects: Selects): number {
  // Most ops have no fault: then no selector closure is made for each init.
  if (ops.fail_init.length === 0) return 0;
  return ops.fail_init.find((f) => selects(f.net, net))?.errno ?? 0;
}

/**
 * What an ops' faults must be: --fail-init needs an init callback, --fail-alloc an allocation (id and
 * a non-zero size), an errno is 1..MAX_ERRNO, a selector `*` or a name ip could bind.
 */
export function checkFaults(name: string, init: string | null, hasData: boolean, fail_init: readonly FailInit[], fail_alloc: readonly string[]): void {
  if (fail_init.length > 0 && init === null) throw new Refused(`${name} has no init callback to fail`);
  if (fail_alloc.length > 0 && !hasData) throw new Refused(`${name} allocates no generic data (it needs --id and a non-zero --size)`);
  for (const f of fail_init) {
    if (!Number.isInteger(f.errno) || f.errno < 1 || f.errno > MAX_ERRNO) throw new Refused(`invalid errno ${f.errno}`);
  }
  for (const sel of [...fail_init.map((f) => f.net), ...fail_alloc]) {
    if (sel !== '*' && !isValidNetnsName(sel)) throw new Refused(`invalid namespace selector "${sel}"`);
  }
}

/** `pernet fail` on a registered ops: the new selectors checked, then the lists replaced. */
export function changeFaults(ops: PernetOps, change: FaultChange): void {
  const fail_init = [...(change.clear ? [] : ops.fail_init), ...change.init];
  const fail_alloc = [...(change.clear ? [] : ops.fail_alloc), ...change.alloc];
  checkFaults(ops.name, ops.init, ops.id !== null && ops.size > 0, change.init, change.alloc);
  ops.fail_init = fail_init;
  ops.fail_alloc = fail_alloc;
}
