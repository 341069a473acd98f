// do_cmd(): the object word matched by prefix against ip's object table, then that object's
// module, loaded only when used. Every command line goes through runLine, whether it comes from the
// command line, a -batch file or a boot profile.
import { KernelBug } from '../lib/generic.js';
import { KernelPanic } from '../lib/net_namespace.js';
import { Refused } from '../lib/refused.js';
import { formatTrace, traceDocument } from '../lib/trace.js';
import { jsonDocument } from '../ui/json_writer.js';
import { Fatal, HelpShown, type Ctx, type ObjectModule } from './context.js';
import { handsOver } from './hand_over.js';
import { matchObject, type GlobalOptions } from './ip_options.js';
import { IP_USAGE } from './usage.js';

const MODULES: Readonly<Record<string, () => Promise<ObjectModule>>> = {
  netns: async () => (await import('./netns.js')).default,
  pernet: async () => (await import('./pernet.js')).default,
  show: async () => (await import('./show.js')).default,
  boot: async () => (await import('./boot.js')).default,
  reset: async () => (await import('./reset.js')).default,
  shell: async () => (await import('./shell.js')).default,
  completion: async () => (await import('./completion.js')).default,
};

/** Modules already loaded: a batch's lines look their object up twice each, without a new import. */
const loaded = new Map<string, ObjectModule>();

/**
 * The module of an object word, or undefined for an object ipsim does not have: at once when it is
 * loaded already (a batch's lines do not each wait a turn for it), else once it has loaded.
 */
function moduleFor(word: string): ObjectModule | undefined | Promise<ObjectModule | undefined> {
  const object = matchObject(word);
  const load = object === undefined ? undefined : MODULES[object];
  if (!load) return undefined;
  return loaded.get(object!) ?? load().then((module) => {
    loaded.set(object!, module);
    return module;
  });
}

/** Whether a line may change the state, so that the invocation takes the lock before loading. */
export async function lineWrites(argv: readonly string[], opts: GlobalOptions): Promise<boolean> {
  if (argv.length === 0) return false;
  const module = await moduleFor(argv[0]!);
  return module ? module.writes(argv.slice(1), opts) : false;
}

/**
 * Runs one command line (argv starts with the object word), then what ends every command: the
 * netns workqueue's cleanup_net over what the command queued, then the command's trace. `atEnd`
 * runs before the trace: the end of the process, when this is its only command.
 */
export async function runLine(ctx: Ctx, argv: string[], printTrace: boolean, atEnd?: () => Promise<void>): Promise<number> {
  const word = argv[0]!;
  if (matchObject(word) === 'help') {
    ctx.out.err(IP_USAGE);
    throw new Fatal();
  }
  const found = moduleFor(word);
  const module = found instanceof Promise ? await found : found;
  if (!module) {
    ctx.out.err(`Object "${word}" is unknown, try "ip help".\n`);
    return 1;
  }
  const tracing = ctx.tracer.enabled;
  const withSource = ctx.tracer.source;
  // The whole CLI is to run the command (commands/hand_over.ts): nothing more is done or printed.
  let handingOver = false;
  try {
    return await module.run(ctx, argv.slice(1));
  } catch (err) {
    handingOver = handsOver(err);
    if (err instanceof HelpShown) return 0;
    if (err instanceof Refused) {
      ctx.out.err(`Error: ${err.message}\n`);
      return 1;
    }
    if (err instanceof KernelPanic || err instanceof KernelBug) {
      ctx.out.err(`${err.message}\n`);
      return 2;
    }
    throw err;
  } finally {
    // Also when the command ends the process (a fatal error, an exec'd CMD killed by a signal).
    if (!handingOver) {
      const kernel = ctx.loadedKernel();
      if (kernel) {
        kernel.drainNetnsWq();
        kernel.endCommand();
      }
      if (atEnd) await atEnd();
      if (printTrace && ctx.tracer.enabled) await printCommandTrace(ctx);
      ctx.tracer.enabled = tracing;
      ctx.tracer.source = withSource;
    }
  }
}

/** The command's kernel calls, after its output: text lines, or one {"trace":[…]} line under -j. */
export async function printCommandTrace(ctx: Pick<Ctx, 'tracer' | 'opts' | 'out'>): Promise<void> {
  if (!ctx.tracer.enabled) return;
  const events = ctx.tracer.take();
  // --trace=source: the table of Linux 3.10.105's definitions, loaded only then.
  const source = ctx.tracer.source ? (await import('../lib/source_3_10.js')).SOURCE_3_10 : undefined;
  if (ctx.opts.json) {
    ctx.out.out(`${jsonDocument(traceDocument(events, source), false)}\n`);
    return;
  }
  const style = ctx.out.color ? await (await import('../ui/colors.js')).loadPaint(true) : undefined;
  ctx.out.out(formatTrace(events, style, source));
}
