// The body of iproute2's ip/ip.c main(): global options, -n, then one command line or a -batch
// file, each line through the dispatcher; the state is written once, at the end, on every way out.
import { readFileSync } from 'node:fs';
import { errnoByName, strerror } from '../lib/errno.js';
import { statePath } from '../store/paths.js';
import { StateFileError } from '../store/state_file.js';
import { BrokenPipe, type Output } from '../ui/output.js';
import { batchItems, type BatchItem } from './batch.js';
import { Fatal, type Ctx } from './context.js';
import { lineWrites, runLine } from './dispatch.js';
import { matchObject, parseGlobalOptions } from './ip_options.js';
import { Session } from './session.js';
import { USAGE } from './usage.js';

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
      ctx.out.err(`Cannot open file "${name}" for reading: ${strerror(errnoByName(e.code ?? '')?.num ?? 0)}\n`);
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
 * SIGINT, SIGTERM and SIGHUP between batch lines: the running line completes, the state is
 * written, then the process dies by the signal (contract §9.1).
 */
function deferSignals(): { pending(): Promise<boolean>; deliver(): void } {
  let caught: NodeJS.Signals | undefined;
  const handler = (signal: NodeJS.Signals): void => {
    caught ??= signal;
  };
  const names: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const name of names) process.on(name, handler);
  return {
    async pending() {
      await new Promise((resolve) => setImmediate(resolve));
      return caught !== undefined;
    },
    deliver() {
      for (const name of names) process.off(name, handler);
      if (caught) process.kill(process.pid, caught);
    },
  };
}

/** Reports a -n name that is not bound, as ip's netns_switch() does. */
async function checkNetnsOptions(session: Session, names: readonly string[], out: Output): Promise<number | undefined> {
  let observer: number | undefined;
  for (const name of names) {
    const net = (await session.kernel()).netByName(name);
    if (!net) {
      out.err(`Cannot open network namespace "${name}": No such file or directory\n`);
      throw new Fatal();
    }
    observer = net.serial;
  }
  return observer;
}

/** Everything after --version and --help: one command line, or a batch. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv, out: Output, profilesDir: string): Promise<number> {
  const parsed = parseGlobalOptions(argv);
  const opts = parsed.options;
  const session: Session = new Session(statePath(opts.state, env), opts.trace, async () => {
    const { seedKernel } = await import('./boot.js');
    return seedKernel(session, profilesDir, env);
  });
  try {
    const object = parsed.ok && parsed.rest.length > 0 ? matchObject(parsed.rest[0]!) : undefined;
    const ignoresNetns = object !== undefined && GLOBAL_OBJECTS.has(object);
    const observer = ignoresNetns ? undefined : await checkNetnsOptions(session, opts.netns, out);
    if (!parsed.ok) {
      out.err(parsed.usage ? USAGE : `${parsed.message}\n`);
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
      observer: observer ?? 0,
      inProfile: false,
    };
    if (opts.batch !== undefined) return await runBatch(ctx, opts.batch);
    if (parsed.rest.length === 0) {
      out.err(USAGE);
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
    if (err instanceof BrokenPipe) {
      // The reader went away: keep what the completed commands did, then go quietly.
      await session.commit();
      return 141;
    }
    session.release();
    if (err instanceof StateFileError) {
      out.err(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

