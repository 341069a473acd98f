// The process side of `ip netns` (ip/ipnetns.c): exec, identify and pids. Processes are real;
// "being in" an emulated namespace means being the wrapper or CMD of a holder that `netns exec`
// recorded, or a descendant of that CMD (README, "ip netns compatibility": process model).
import type { ChildProcess } from 'node:child_process';
import { strerror, strerrorOfCode } from '../lib/errno.js';
import { namespaceOf, partitionHolders } from '../lib/holders.js';
import type { Machine } from '../lib/machine.js';
import { openNetnsFile } from '../lib/run_netns.js';
import type { Holder, Net } from '../lib/state.js';
import { isAlive, procNetError, processTable, procStat, selfIdentity } from '../store/procfs.js';
import { Fatal, observerNet, type Ctx } from './context.js';
import { netns_switch } from './netns_switch.js';
import { KilledBy, waitForChild } from './signals.js';

/** execvp(CMD): the running child, or the errno code it could not be started with. */
async function spawnCmd(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<ChildProcess | string> {
  // child_process costs more to load than a whole read command: only exec pays for it.
  const { spawn } = process.getBuiltinModule('node:child_process');
  let child: ChildProcess;
  try {
    child = spawn(argv[0]!, argv.slice(1), { stdio: 'inherit', env });
  } catch (err) {
    // Node refuses some file names outright ("" for one); execvp() would not find them.
    return (err as NodeJS.ErrnoException).code === 'ERR_INVALID_ARG_VALUE' ? 'ENOENT' : 'EINVAL';
  }
  const failed = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    child.once('spawn', () => resolve(undefined));
    child.once('error', resolve);
  });
  return failed ? (failed.code ?? 'EINVAL') : child;
}

/** The namespace a process is in; pid must exist. */
export function netOfPid(kernel: Machine, pid: number): Net {
  const { live } = partitionHolders(kernel.state.holders, isAlive);
  const serial = namespaceOf(pid, processTable(), live, isAlive);
  return kernel.netBySerialNo(serial) ?? kernel.init_net!;
}

/** The last name in directory order bound to net (iproute2 keeps overwriting), or ''. */
function lastName(kernel: Machine, net: Net): string {
  let name = '';
  for (const entry of kernel.readdir()) if (entry.net === net) name = entry.name;
  return name;
}

/**
 * One `exec` in a namespace, in three steps (README, "State file": Writing): under the lock get_net, spawn and
 * record the holder, write; wait with no lock; under the lock again drop the holder with put_net.
 * Returns CMD's exit status; a CMD killed by a signal is thrown as KilledBy after step 3.
 */
async function execIn(ctx: Ctx, name: string, argv: readonly string[]): Promise<number> {
  const kernel = await ctx.kernel();
  const net = netns_switch(kernel, name);
  if (typeof net === 'string') {
    // A return value in ip, not exit(-1): a batch goes on.
    ctx.out.err(net);
    return 255;
  }
  // The holder is written before CMD starts, so that anything CMD runs finds its namespace; its
  // pid is filled in once known (until then the wrapper, CMD's parent, places CMD).
  const self = selfIdentity();
  const holder: Holder = {
    wrapper_pid: self.pid,
    wrapper_start: self.startTime,
    cmd_pid: 0,
    cmd_start: '',
    boot_id: kernel.state.boot_id,
    serial: net.serial,
  };
  kernel.addHolder(holder, net);
  // Outside a batch and -all, ip does not fork: its own setns() moves it out of -n's namespace.
  if (ctx.opts.batch === undefined && !ctx.opts.all) ctx.hold.dropReference(kernel);
  await ctx.hold.checkpoint();
  const started = await spawnCmd(argv, {
    ...ctx.env,
    IPSIM_NETNS: String(net.proc_inum),
    IPSIM_NETNS_ID: `${kernel.state.boot_id}:${net.serial}`,
    IPSIM_STATE: ctx.session.path,
  });
  if (typeof started === 'string') {
    kernel.dropHolder(holder);
    ctx.out.err(`exec of "${argv[0]}" failed: ${strerrorOfCode(started)}\n`);
    return 1;
  }
  const child = started;
  // Listen for its end before anything else is awaited: a fast CMD may be gone by then.
  const done = waitForChild(child);
  // A CMD already gone before its start time could be read is left to the wrapper's liveness.
  kernel.holderStarted(holder, child.pid!, procStat(child.pid!)?.startTime ?? '');
  await ctx.hold.suspend();

  const result = await done;

  const after = await ctx.hold.resume();
  const recorded = after.state.holders.find(
    (h) => h.wrapper_pid === holder.wrapper_pid && h.wrapper_start === holder.wrapper_start && h.cmd_pid === holder.cmd_pid && h.boot_id === after.state.boot_id,
  );
  if (recorded) after.dropHolder(recorded);
  if (result.signal) throw new KilledBy(result.signal);
  return result.code;
}

/** netns_exec(): NAME CMD..., or under -all CMD... in every namespace, banner first, status ignored. */
export async function netns_exec(ctx: Ctx, args: string[]): Promise<number> {
  if (ctx.opts.all) {
    if (args.length < 1) {
      ctx.out.err('No command specified\n');
      return 1;
    }
    const kernel = await ctx.kernel();
    const names = kernel.readdirNames();
    for (const name of names) {
      ctx.out.out(`\nnetns: ${name}\n`);
      try {
        await execIn(ctx, name, args);
      } catch (err) {
        // ip's cmd_exec() exits 1 at once when the command was killed.
        if (err instanceof KilledBy) throw new Fatal(1);
        throw err;
      }
    }
    return 0;
  }
  if (args.length < 1) {
    ctx.out.err('No netns name specified\n');
    return 1;
  }
  if (args.length < 2) {
    ctx.out.err('No command specified\n');
    return 1;
  }
  try {
    return await execIn(ctx, args[0]!, args.slice(1));
  } catch (err) {
    if (err instanceof KilledBy && ctx.opts.batch !== undefined) throw new Fatal(1);
    throw err;
  }
}

/** netns_identify(): the name of PID's namespace (default: the one ipsim acts from), or ''. */
export async function netns_identify(ctx: Ctx, args: string[]): Promise<number> {
  if (args.length > 1) {
    ctx.out.err('extra arguments specified\n');
    return 1;
  }
  const pidstr = args[0];
  if (pidstr !== undefined && !/^\d*$/.test(pidstr)) {
    ctx.out.err(`Specified string '${pidstr}' is not a pid\n`);
    return 1;
  }
  const kernel = await ctx.kernel();
  let net: Net;
  if (pidstr === undefined) {
    net = await observerNet(ctx);
  } else {
    const error = procNetError(pidstr);
    if (error) {
      ctx.out.err(`Cannot open network namespace: ${strerrorOfCode(error)}\n`);
      return 1;
    }
    net = netOfPid(kernel, Number(pidstr));
  }
  ctx.out.out(`${lastName(kernel, net)}\n`);
  return 0;
}

/** netns_pids(): every process in NAME's namespace, ascending, except the CMDs standing in for ip. */
export async function netns_pids(ctx: Ctx, args: string[]): Promise<number> {
  if (args.length < 1) {
    ctx.out.err('No netns name specified\n');
    return 1;
  }
  if (args.length > 1) {
    ctx.out.err('extra arguments specified\n');
    return 1;
  }
  const kernel = await ctx.kernel();
  const opened = openNetnsFile(kernel, args[0]!);
  if (opened.kind === 'error') {
    ctx.out.err(`Cannot open network namespace: ${strerror(opened.errno)}\n`);
    return 1;
  }
  // The directory itself opens too; no process is in it.
  if (opened.kind === 'dir') return 0;
  const net = opened.net;
  const parents = processTable();
  const { live } = partitionHolders(kernel.state.holders, isAlive);
  const cmds = new Set(live.map((h) => h.cmd_pid));
  let text = '';
  for (const pid of parents.keys()) {
    if (cmds.has(pid)) continue;
    if (namespaceOf(pid, parents, live, isAlive) === net.serial) text += `${pid}\n`;
  }
  ctx.out.out(text);
  return 0;
}
