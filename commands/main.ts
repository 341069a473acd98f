// The body of iproute2's ip/ip.c main(): global options, -n, then one command line or a -batch
// file, each line through the dispatcher; the state is written once, at the end, on every way out.
import { readFileSync } from 'node:fs';
import { strerrorOfCode } from '../lib/errno.js';
import { statePath } from '../store/paths.js';
import { StateFileError } from '../store/state_file.js';
import { BrokenPipe, type Output } from '../ui/output.js';
import { batchItems, type BatchItem } from './batch.js';
import { Fatal, type Ctx } from './context.js';
import { lineWrites, runLine } from './dispatch.js';
import { matchObject, parseGlobalOptions } from './ip_options.js';
import { netns_switch } from './netns_switch.js';
import { Session } from './session.js';
import { deferSignals, dieBy, KilledBy } from './signals.js';
import { IP_USAGE } from './usage.js';

/** Objects whose commands ignore -n and IPSIM_NETNS (contract §9.4). */
const GLOBAL_OBJECTS: ReadonlySet<string> = new Set(['boot', 'reset']);

/** do_batch(): each line a command; "Command failed FILE:N" on failure; -force goes on. */
async function runBatch(ctx: Ctx, name: string): Promise<number> {
  let text: string;
  try {
    text = readFileSync(name === '-' ? 0 : name, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EISDIR') text = '';
    else {
      ctx.out.err(`Cannot open file "${name}" for reading: ${strerrorOfCode(e.code)}\n`);
      return 1;
    }
  }
  const items: BatchItem[] = [...batchItems(text)];
  let writes = false;
  for (const item of items) if (item.kind === 'command' && (await lineWrites(item.argv, ctx.opts))) writes = true;
  if (writes) await ctx.session.lockForWrite();

  const signals = deferSignals();
  let status = 0;
  try {
    for (const item of items) {
      if (item.kind === 'error') {
        ctx.out.err(`${item.message}\n`);
        if (item.exit !== 0) status = item.exit;
        break;
      }
      if ((await runLine(ctx, item.argv, true)) !== 0) {
        ctx.out.err(`Command failed ${name}:${item.lineno}\n`);
        status = 1;
        if (!ctx.opts.force) break;
      }
      if (await signals.pending()) break;
    }
  } catch (err) {
    if (!(err instanceof Fatal)) throw err;
    status = err.status;
  }
  await ctx.session.commit();
  signals.deliver();
  return status;
}

/**
 * The namespace ipsim acts from (contract §9.4): each -n NAME must be bound (ip's netns_switch()
 * exits 255 otherwise) and the last one wins; without -n, `netns` commands act from the namespace
 * of an `exec` that started this process (IPSIM_NETNS_ID, else IPSIM_NETNS); otherwise init_net.
 */
async function resolveObserver(session: Session, names: readonly string[], env: NodeJS.ProcessEnv, useEnv: boolean, out: Output): Promise<number> {
  let observer = 0;
  for (const name of names) {
    const net = netns_switch(await session.kernel(), name);
    if (typeof net === 'string') {
      out.err(net);
      throw new Fatal();
    }
    observer = net.serial;
  }
  if (names.length > 0 || !useEnv || env.IPSIM_NETNS === undefined) return observer;
  const kernel = await session.kernel();
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
  return net.serial;
}

/**
 * Everything after --version and --help: one command line, or a batch. A file the environment
 * refuses (a full or read-only filesystem, a permission, a FIFO…), met anywhere, even while the
 * state is written on the way out, is one line and exit 1 (contract §8); 70 stays for bugs.
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
  const session: Session = new Session(statePath(opts.state, env), opts.trace, async () => {
    const { seedKernel } = await import('./boot.js');
    return seedKernel(session, profilesDir, env);
  });
  try {
    const object = parsed.ok && parsed.rest.length > 0 ? matchObject(parsed.rest[0]!) : undefined;
    const ignoresNetns = object !== undefined && GLOBAL_OBJECTS.has(object);
    const useEnv = object === 'netns' || (parsed.ok && opts.batch !== undefined);
    const observer = ignoresNetns ? 0 : await resolveObserver(session, opts.netns, env, useEnv, out);
    if (!parsed.ok) {
      out.err(parsed.usage ? IP_USAGE : `${parsed.message}\n`);
      return parsed.exit;
    }
    const ctx: Ctx = {
      opts,
      out,
      env,
      session,
      profilesDir: profilesDir,
      kernel: () => session.kernel(),
      loadedKernel: () => session.loaded,
      tracer: session.tracer,
      observer,
      inProfile: false,
    };
    if (opts.batch !== undefined) return await runBatch(ctx, opts.batch);
    if (parsed.rest.length === 0) {
      out.err(IP_USAGE);
      return 255;
    }
    if (await lineWrites(parsed.rest, opts)) await session.lockForWrite();
    const status = await runLine(ctx, parsed.rest, true);
    await session.commit();
    return status;
  } catch (err) {
    if (err instanceof Fatal) {
      await session.commit();
      return err.status;
    }
    if (err instanceof KilledBy) {
      // `netns exec`: CMD was killed; the reference is dropped and written, then the wrapper dies alike.
      await session.commit();
      dieBy(err.signal);
    }
    if (err instanceof BrokenPipe) {
      // The reader went away: keep what the completed commands did, then go quietly.
      await session.commit();
      return 141;
    }
    throw err;
  } finally {
    session.release();
  }
}

