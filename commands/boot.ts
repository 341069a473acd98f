// `ipsim boot [--profile NAME|FILE]`: net_ns_init() on an empty kernel, then the profile's lines
// (README, `ipsim boot`). A profile is a batch file of ipsim lines plus two directives of its own:
// `net_ns_init` (lines before it run with no namespace yet: registrations only link) and
// `proc reserve N` (the /proc entries a real boot creates before net_ns_init).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { strerrorOfCode } from '../lib/errno.js';
import { Machine } from '../lib/machine.js';
import { Refused } from '../lib/refused.js';
import { emptyState } from '../lib/state.js';
import { Tracer } from '../lib/trace.js';
import type { Output } from '../ui/output.js';
import { batchItems } from './batch.js';
import { Fatal, type Ctx, type LineDispatcher, type ObjectModule } from './context.js';
import type { GlobalOptions } from './ip_options.js';
import type { Hold, Session } from './session.js';
import { asksHelp } from './help.js';
import { parseOptions, type CommandSpec } from './options.js';

export const DEFAULT_PROFILE = 'seed';

/** What a profile's lines run with: the kernel being booted, and none of the caller's -n. */
export interface BootEnv {
  out: Output;
  opts: GlobalOptions;
  env: NodeJS.ProcessEnv;
  session: Session;
  hold: Hold;
  profilesDir: string;
  tracer: Tracer;
  /** The dispatcher the profile's lines go through, each with the profile's context. */
  dispatch: LineDispatcher;
}

function readProfile(out: Output, profilesDir: string, profile: string): string | undefined {
  const file = profile.includes('/') ? profile : join(profilesDir, profile);
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    out.err(`Error: cannot read profile "${profile}": ${strerrorOfCode(code)}\n`);
    return undefined;
  }
}

/**
 * Boots a fresh kernel from a profile: the kernel, or the exit status of a failure (its message
 * and `Command failed PROFILE:N` already printed).
 */
export async function bootProfile(boot: BootEnv, profile: string): Promise<Machine | number> {
  const text = readProfile(boot.out, boot.profilesDir, profile);
  if (text === undefined) return 1;
  const kernel = new Machine(emptyState(randomUUID()), boot.tracer);
  const items = [...batchItems(text)];
  const explicitInit = items.some((item) => item.kind === 'command' && item.argv[0] === 'net_ns_init');
  const ctx: Ctx = {
    opts: { ...boot.opts, netns: [], all: false, batch: undefined },
    out: boot.out,
    env: boot.env,
    session: boot.session,
    hold: boot.hold,
    profilesDir: boot.profilesDir,
    kernel: async () => kernel,
    loadedKernel: () => kernel,
    tracer: boot.tracer,
    observer: undefined,
    inProfile: true,
    dispatch: boot.dispatch,
  };
  const failed = (lineno: number): number => {
    boot.out.err(`Command failed ${profile}:${lineno}\n`);
    return 1;
  };
  if (!explicitInit) kernel.net_ns_init();
  for (const item of items) {
    if (item.kind === 'error') {
      boot.out.err(`${item.message}\n`);
      if (item.exit !== 0) return item.exit;
      break;
    }
    const [word, ...args] = item.argv;
    try {
      if (word === 'net_ns_init') {
        if (args.length > 0) throw new Refused('net_ns_init takes no arguments');
        kernel.net_ns_init();
      } else if (word === 'proc') {
        if (args[0] !== 'reserve' || args.length !== 2 || !/^\d+$/.test(args[1]!)) throw new Refused('usage: proc reserve N');
        kernel.procReserve(Number(args[1]));
      } else if ((await boot.dispatch(ctx, item.argv)) !== 0) {
        return failed(item.lineno);
      }
    } catch (err) {
      if (err instanceof Refused) {
        boot.out.err(`Error: ${err.message}\n`);
        return failed(item.lineno);
      }
      if (err instanceof Fatal) return failed(item.lineno);
      throw err;
    }
  }
  return kernel;
}

/** boot: the profile to boot. */
export const BOOT: CommandSpec = { options: [{ flags: '--profile <name>', description: 'seed, bare, linux-3.10 or a file', default: DEFAULT_PROFILE }] };

const boot: ObjectModule = {
  writes: (args) => !asksHelp(args),

  async run(ctx: Ctx, args: string[]): Promise<number> {
    const parsed = await parseOptions(ctx, 'boot', args, BOOT);
    if (ctx.inProfile) throw new Refused('a profile cannot boot');
    // Also when an earlier line of a batch booted implicitly: its work is the kernel now.
    if (await ctx.hold.exists()) {
      ctx.out.err(`Error: kernel already booted (${ctx.session.path}); run "ipsim reset" first\n`);
      return 1;
    }
    const kernel = await bootProfile(
      { out: ctx.out, opts: ctx.opts, env: ctx.env, session: ctx.session, hold: ctx.hold, profilesDir: ctx.profilesDir, tracer: ctx.tracer, dispatch: ctx.dispatch },
      String(parsed.opts.profile),
    );
    if (typeof kernel === 'number') return kernel;
    ctx.hold.replace(kernel);
    return 0;
  },
};

export default boot;

/** The kernel a missing state file stands for: a `seed` boot, untraced and silent. */
export async function seedKernel(session: Session, hold: Hold, profilesDir: string, env: NodeJS.ProcessEnv, dispatch: LineDispatcher): Promise<Machine> {
  const silent: Output = { color: false, terminal: false, out: () => undefined, err: () => undefined };
  const opts: GlobalOptions = { json: 0, pretty: 0, force: 0, all: false, netns: [], trace: false, help: false, version: false };
  const kernel = await bootProfile({ out: silent, opts, env, session, hold, profilesDir, tracer: new Tracer(false), dispatch }, DEFAULT_PROFILE);
  if (typeof kernel === 'number') throw new Error(`the built-in ${DEFAULT_PROFILE} profile failed`);
  return kernel;
}
