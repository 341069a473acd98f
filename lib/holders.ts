// The processes that hold a reference on a namespace (`netns exec`, `-n`), and which namespace a
// process is in (task->nsproxy->net_ns). ipsim's processes are real, its namespaces are not, so
// membership follows the holder records (README, "ip netns compatibility", process model): the
// wrapper and CMD of a live holder are in its namespace, and so is every descendant of CMD; every
// other process is in init_net. A record's reference is taken with get_net and dropped with put_net
// by the caller (lib/machine.ts).
import type { Holder } from './state.js';

/** Records a process that holds a reference. */
export function addHolder(holders: Holder[], holder: Holder): void {
  holders.push(holder);
}

/** The holder's CMD now runs as pid, started at startTime. */
export function holderStarted(holder: Holder, pid: number, startTime: string): void {
  holder.cmd_pid = pid;
  holder.cmd_start = startTime;
}

/** The process is gone: its record goes; false when it was not recorded. */
export function removeHolder(holders: Holder[], holder: Holder): boolean {
  const at = holders.indexOf(holder);
  if (at === -1) return false;
  holders.splice(at, 1);
  return true;
}

/** A holder is live while its wrapper or its CMD is (the other may already be gone). */
export type Liveness = (pid: number, startTime: string) => boolean;

function holderAlive(holder: Holder, alive: Liveness): boolean {
  return alive(holder.wrapper_pid, holder.wrapper_start) || alive(holder.cmd_pid, holder.cmd_start);
}

/** The holders that are live, and those whose processes are all gone (lowest wrapper pid first). */
export function partitionHolders(holders: readonly Holder[], alive: Liveness): { live: Holder[]; dead: Holder[] } {
  const live: Holder[] = [];
  const dead: Holder[] = [];
  for (const holder of holders) (holderAlive(holder, alive) ? live : dead).push(holder);
  dead.sort((a, b) => a.wrapper_pid - b.wrapper_pid);
  return { live, dead };
}

/**
 * The serial of pid's namespace: walking up from pid, the first process that is the wrapper of a
 * live holder (it entered that namespace last; a `-n` process is the wrapper of its reference) or
 * else the CMD of one decides; init_net (0) if
 * none does. `parents` maps each existing pid to its parent; `live` are the live holders.
 */
export function namespaceOf(pid: number, parents: ReadonlyMap<number, number>, live: readonly Holder[], alive: Liveness): number {
  const seen = new Set<number>();
  for (let p: number | undefined = pid; p !== undefined && p > 0 && !seen.has(p); p = parents.get(p)) {
    seen.add(p);
    // The latest holder wins: a -n process running `exec` in a batch is the exec's wrapper meanwhile.
    const asWrapper = live.findLast((h) => h.wrapper_pid === p && alive(p, h.wrapper_start));
    if (asWrapper) return asWrapper.serial;
    const asCmd = live.find((h) => h.cmd_pid === p && alive(p, h.cmd_start));
    if (asCmd) return asCmd.serial;
  }
  return 0;
}
