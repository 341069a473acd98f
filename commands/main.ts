// The body of iproute2's ip/ip.c main(): global options, -n, then one command line or a -batch
// file, each line through the dispatcher. What may be written is declared before the state is
// loaded (Session.open); the state is written on every way out.
import { strerrorOfCode } from '../lib/errno.js';
import { statePath } from '../store/paths.js';
import { StateFileError } from '../store/state_file.js';
import { BrokenPipe, type Output } from '../ui/output.js';
// The batch's modules load only for -batch: the bundles made for one object's commands leave them out.
import type { BatchItem, BatchParser } from './batch.js';
import type { BatchInput } from './batch_input.js';
import { Fatal, type LineDispatcher } from './context.js';
import { lineWrites, runLine } from './dispatch.js';
import { matchObject, parseGlobalOptions, TRACE_SOURCE, type GlobalOptions } from './ip_options.js';
import { netns_switch } from './netns_switch.js';
import { CommandRunner } from './runner.js';
import { Session, type Hold } from './session.js';
import { deferSignals, dieBy, KilledBy } from './signals.js';
import { IP_USAGE } from './usage.js';

/** Objects whose commands ignore -n and IPSIM_NETNS (README, "Global options"). */
const GLOBAL_OBJECTS: ReadonlySet<string> = new Set(['boot', 'reset']);

/** How often a batch with a spinner lets it draw. */
const BREATHE_MS = 50;

/** Lets input that has already arrived reach its reader before deciding that there is none. */
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * do_batch(): each line a command; "Command failed FILE:N" on failure; -force goes on. Lines read
 * so far run in one command; before waiting for more input it is settled, so no lock is held
 * while waiting (README, "State file": Locking). A signal between lines ends the batch after the state is written.
 */
async function runBatch(runner: CommandRunner, opts: GlobalOptions, out: Output, name: string, input: Exclude<BatchInput, { kind: 'error' }>): Promise<number> {
  const { parser } = input;
  const MORE: typeof import('./batch.js').MORE = (await import('./batch.js')).MORE;
  const signals = deferSignals();
  let status = 0;
  // A long batch file at a terminal: a spinner after a moment, and a pause now and then to draw it.
  const spinner = input.kind === 'file' && out.spinners ? await (await import('../ui/spinner.js')).startSpinner(out, `running ${name}`) : undefined;
  let breathed = Date.now();
  try {
    for (;;) {
      if (spinner && Date.now() - breathed >= BREATHE_MS) {
        await tick();
        breathed = Date.now();
      }
      let item = parser.next();
      if (item === MORE && input.kind === 'stream') {
        await tick();
        item = parser.next();
        if (item === MORE) {
          await runner.settle();
          await Promise.race([input.source.more(), signals.arrived]);
          if (await signals.pending()) break;
          continue;
        }
      }
      if (item === null || item === MORE) break;
      if (item.kind === 'error') {
        out.err(`${item.message}\n`);
        if (item.exit !== 0) status = item.exit;
        break;
      }
      if (!runner.isOpen) await runner.open(await anyWrites(parser, opts, item));
      if ((await runner.run(item.argv, true)) !== 0) {
        out.err(`Command failed ${name}:${item.lineno}\n`);
        status = 1;
        if (!opts.force) break;
      }
      // Most lines need no turn of the event loop, and then no await either.
      const signalled = signals.pending();
      if (typeof signalled === 'boolean' ? signalled : await signalled) break;
    }
  } catch (err) {
    if (!(err instanceof Fatal)) throw err;
    status = err.status;
  } finally {
    spinner?.stop();
    if (input.kind === 'stream') input.source.close();
  }
  await runner.finish(true);
  signals.deliver();
  return status;
}

/**
 * Whether any batch line the command will run may change the state, so that it locks first: the
 * line just taken, if any, and those read so far after it, up to an error. They are parsed ahead
 * only up to the first that may write.
 */
async function anyWrites(parser: BatchParser, opts: GlobalOptions, taken?: BatchItem): Promise<boolean> {
  for (let i = taken === undefined ? 0 : -1; ; i += 1) {
    const item = i < 0 ? taken : parser.peek(i);
    if (item === undefined || item.kind === 'error') return false;
    if (await lineWrites(item.argv, opts)) return true;
  }
}

/**
 * The namespace ipsim acts from (README, "Global options"): each -n NAME must be bound (ip's netns_switch()
 * exits 255 otherwise), and switching to it takes a reference this process holds until it ends;
 * the last one wins. Without -n, `netns` commands act from the namespace of an `exec` that started
 * this process (IPSIM_NETNS_ID, else IPSIM_NETNS); otherwise init_net.
 */
async function resolveObserver(hold: Hold, session: Session, names: readonly string[], env: NodeJS.ProcessEnv, useEnv: boolean, out: Output): Promise<void> {
  for (const name of names) {
    const kernel = await hold.kernel();
    const net = netns_switch(kernel, name);
    if (typeof net === 'string') {
      out.err(net);
      throw new Fatal();
    }
    hold.setns(kernel, net);
    session.observer = { boot_id: kernel.state.boot_id, serial: net.serial };
  }
  if (names.length > 0 || !useEnv || env.IPSIM_NETNS === undefined) return;
  const kernel = await hold.kernel();
  const id = env.IPSIM_NETNS_ID?.split(':');
  const net =
    id && id.length === 2
      ? id[0] === kernel.state.boot_id && /^\d+$/.test(id[1]!)
        ? kernel.netBySerialNo(Number(id[1]))
        : undefined
      : kernel.state.net_namespace_list.find((n) => String(n.proc_inum) === env.IPSIM_NETNS);
  if (!net) {
    out.err(`Cannot open network namespace "net:[${env.IPSIM_NETNS}]": No such file or directory\n`);
    throw new Fatal();
  }
  session.observer = { boot_id: kernel.state.boot_id, serial: net.serial };
}

/**
 * Everything after --version and --help: one command line, or a batch. A file the environment
 * refuses (a full or read-only filesystem, a permission, a FIFO…), met anywhere, even while the
 * state is written on the way out, is one line and exit 1 (README, "State file": Environment errors); 70 stays for bugs.
 */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv, out: Output, profilesDir: string): Promise<number> {
  try {
    return await invocation(argv, env, out, profilesDir);
  } catch (err) {
    if (!(err instanceof StateFileError)) throw err;
    out.err(`${err.message}\n`);
    return 1;
  }
}

async function invocation(argv: readonly string[], env: NodeJS.ProcessEnv, out: Output, profilesDir: string): Promise<number> {
  const parsed = parseGlobalOptions(argv);
  const opts = parsed.options;
  // A profile's lines print no trace of their own: the boot's trace is the command's.
  const dispatch: LineDispatcher = (ctx, line) => runLine(ctx, line, false);
  const session: Session = new Session(statePath(opts.state, env), opts.trace, async (hold) => {
    const { seedKernel } = await import('./boot.js');
    return seedKernel(session, hold, profilesDir, env, dispatch);
  });
  session.tracer.source = opts.traceSource === true;
  const base = { opts, out, env, session, profilesDir, tracer: session.tracer, inProfile: false, dispatch };
  const runner = new CommandRunner(session, base);
  try {
    const object = parsed.ok && parsed.rest.length > 0 ? matchObject(parsed.rest[0]!) : undefined;
    const ignoresNetns = object !== undefined && GLOBAL_OBJECTS.has(object);
    // `ipsim shell [--trace[=source]]` is the shell; other arguments make it an ordinary line (refused).
    const shell = parsed.ok && object === 'shell' && opts.batch === undefined && parsed.rest.slice(1).every((word) => word === '--trace' || word === TRACE_SOURCE);
    const useEnv = object === 'netns' || shell || (parsed.ok && opts.batch !== undefined);
    // ip opens the batch file after -n has switched; it is looked at first to know what it may write.
    const input = parsed.ok && opts.batch !== undefined ? (await import('./batch_input.js')).openBatchInput(opts.batch) : undefined;
    if (!ignoresNetns) {
      // The file's lines are one command; a stream's first command only publishes -n's reference.
      let write = false;
      if (input?.kind === 'file') write = await anyWrites(input.parser, opts);
      else if (input?.kind === 'stream' || shell) write = opts.netns.length > 0;
      else if (parsed.ok && input === undefined && parsed.rest.length > 0) write = await lineWrites(parsed.rest, opts);
      const hold = await runner.open(write);
      await resolveObserver(hold, session, opts.netns, env, useEnv, out);
      if (input?.kind === 'stream' || shell) hold.publishReference();
    }
    if (!parsed.ok) {
      out.err(parsed.usage ? IP_USAGE : `${parsed.message}\n`);
      await runner.finish(false);
      return parsed.exit;
    }
    if (input !== undefined) {
      if (input.kind !== 'error') return await runBatch(runner, opts, out, opts.batch!, input);
      out.err(`Cannot open file "${opts.batch}" for reading: ${strerrorOfCode(input.code)}\n`);
      await runner.finish(false);
      return 1;
    }
    if (shell) {
      const { runShell } = await import('./shell_loop.js');
      if (parsed.rest.includes(TRACE_SOURCE)) session.tracer.source = true;
      return await runShell(runner, session, { ...base, opts: { ...opts, trace: opts.trace || parsed.rest.length > 1 } });
    }
    if (parsed.rest.length === 0) {
      out.err(IP_USAGE);
      await runner.finish(false);
      return 255;
    }
    const status = await runner.run(parsed.rest, true, true);
    await runner.finish(false);
    return status;
  } catch (err) {
    if (err instanceof Fatal) {
      await runner.finish(false);
      return err.status;
    }
    if (err instanceof KilledBy) {
      // `netns exec`: CMD was killed; the reference is dropped and written, then the wrapper dies alike.
      await runner.finish(false);
      dieBy(err.signal);
    }
    if (err instanceof BrokenPipe) {
      // The reader went away: keep what the completed commands did, then go quietly.
      await runner.finish(false);
      return 141;
    }
    runner.abandon();
    throw err;
  }
}
