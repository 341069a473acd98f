// What every command receives: the global options, the output, and the kernel it works on.
import type { Machine } from '../lib/machine.js';
import type { Net } from '../lib/state.js';
import type { Tracer } from '../lib/trace.js';
import type { Output } from '../ui/output.js';
import { jsonDocument, type JsonValue } from '../ui/json_writer.js';
import type { GlobalOptions } from './ip_options.js';
import type { Hold, NetRef, Session } from './session.js';

/**
 * do_cmd() for one line, as commands/dispatch.ts runs it, handed to the code that replays lines with
 * a context of its own making (a boot profile), so that code need not import the dispatcher.
 */
export type LineDispatcher = (ctx: Ctx, argv: string[]) => Promise<number>;

export interface Ctx {
  readonly opts: GlobalOptions;
  readonly out: Output;
  readonly env: NodeJS.ProcessEnv;
  /** What the invocation keeps across its commands: the path, the name cache, the observer. */
  readonly session: Session;
  /** This command's use of the state file. */
  readonly hold: Hold;
  /** Where the built-in boot profiles live. */
  readonly profilesDir: string;
  /** The kernel this command works on: the session's, or the one a profile is booting. */
  kernel(): Promise<Machine>;
  /** That kernel if something has loaded it already. */
  loadedKernel(): Machine | undefined;
  readonly tracer: Tracer;
  /** The namespace ipsim acts from (-n NAME, IPSIM_NETNS); init_net when unset. */
  readonly observer: NetRef | undefined;
  /** Set while a boot profile runs: its lines may not boot, reset or open a shell. */
  readonly inProfile: boolean;
  /** Runs a line through the dispatcher with the context given: how a profile replays its lines. */
  readonly dispatch: LineDispatcher;
  /** A shell line's Ctrl-C: a command that runs until a signal (monitor) ends here instead. */
  readonly interrupt?: AbortSignal;
}

/** exit(-1) in iproute2: the message is printed, the process ends 255 and a batch stops. */
export class Fatal extends Error {
  constructor(readonly status = 255) {
    super(`fatal exit ${status}`);
    this.name = 'Fatal';
  }
}

/** `--help` was printed: the command ends there, exit 0, and a batch goes on. */
export class HelpShown extends Error {
  constructor() {
    super('help shown');
    this.name = 'HelpShown';
  }
}

/** A command module: one per object, loaded only when its object is used. */
export interface ObjectModule {
  /** Whether the command (arguments after the object word) may change the state, so needs the lock. */
  writes(args: readonly string[], opts: GlobalOptions): boolean;
  run(ctx: Ctx, args: string[]): Promise<number>;
}

/** Prints a JSON document the way iproute2's writer does (pretty with -p), newline-terminated. */
export function printJson(ctx: Ctx, value: JsonValue): void {
  ctx.out.out(`${jsonDocument(value, ctx.opts.pretty > 0)}\n`);
}

/** The namespace the command acts from. */
export async function observerNet(ctx: Ctx): Promise<Net> {
  return observerIn(ctx, await ctx.kernel());
}

/** observerNet, for a command that has its kernel already (no wait: a batch runs it per line). */
export function observerIn(ctx: Ctx, kernel: Machine): Net {
  const ref = ctx.observer;
  // After `reset` (and a new boot) in a batch, the namespace is gone whatever its serial.
  const net = ref !== undefined && ref.boot_id === kernel.state.boot_id ? kernel.netBySerialNo(ref.serial) : undefined;
  return net ?? kernel.init_net!;
}
