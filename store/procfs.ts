// Process identity from /proc (Linux only). A process is identified by its pid together with
// its start time (field 22 of /proc/PID/stat, clock ticks since boot), so that a reused pid is
// never mistaken for the process that was recorded (README, "ip netns compatibility": process model).
import { readdirSync, readFileSync, statSync } from 'node:fs';

export interface ProcStat {
  /** Field 3: R, S, D, Z (zombie), X (dead)… */
  state: string;
  ppid: number;
  startTime: string;
}

/**
 * Parses the text of /proc/PID/stat. Field 2 (comm) is in parentheses and may itself contain
 * spaces and parentheses, but the kernel prints nothing after it that contains ')', so the
 * fields are split after the LAST ')'. Returns undefined for text that is not a stat line.
 */
export function parseStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  // After ") " come field 3 (state), 4 (ppid), … 22 (starttime): field n is rest[n - 3].
  const rest = text.slice(close + 1).trim().split(/\s+/);
  const state = rest[0];
  const ppid = rest[1];
  const startTime = rest[19];
  if (state === undefined || ppid === undefined || startTime === undefined) return undefined;
  if (!/^[A-Za-z]$/.test(state) || !/^\d+$/.test(ppid) || !/^\d+$/.test(startTime)) return undefined;
  return { state, ppid: Number(ppid), startTime };
}

/** Field 22 (starttime) and field 4 (ppid) of /proc/PID/stat, or undefined if the process does not exist. Parse after the LAST ')' because comm may contain spaces and parentheses. */
export function procStat(pid: number): ProcStat | undefined {
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    // ENOENT (no such process) or ESRCH (it exited while being read): it does not exist.
    return undefined;
  }
  return parseStat(text);
}

let self: { pid: number; startTime: string } | undefined;

/** This process's own identity. */
export function selfIdentity(): { pid: number; startTime: string } {
  // A Node process never forks, so its identity is fixed: read it once.
  if (self === undefined) {
    const stat = procStat(process.pid);
    if (stat === undefined) throw new Error(`cannot read /proc/${process.pid}/stat`);
    self = { pid: process.pid, startTime: stat.startTime };
  }
  return self;
}

/**
 * True when /proc/PID/stat exists, its start time equals startTime and the process has not exited:
 * a zombie (Z, exited but not yet reaped by its parent) or a dying task (X) is not alive (README,
 * "State file": Locking), since a parent that never reaps would otherwise keep its lock or its
 * holders forever.
 */
export function isAlive(pid: number, startTime: string): boolean {
  const stat = procStat(pid);
  return stat !== undefined && stat.startTime === startTime && stat.state !== 'Z' && stat.state !== 'X';
}

/** Every process's parent, from one pass over /proc, in /proc's (ascending pid) order. */
export function processTable(): Map<number, number> {
  const table = new Map<number, number>();
  const pids = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .sort((a, b) => a - b);
  for (const pid of pids) {
    const stat = procStat(pid);
    if (stat) table.set(pid, stat.ppid);
  }
  return table;
}

/**
 * Why /proc/PIDSTR/ns/net cannot be opened (its errno code, e.g. ENOENT, EACCES), or undefined when
 * it can; spelled as ip spells it, so procfs decides what "0123" or "" mean.
 */
export function procNetError(pidstr: string): string | undefined {
  try {
    statSync(`/proc/${pidstr}/ns/net`);
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? 'EIO';
  }
}
