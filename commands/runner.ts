// Lines run as commands against the state file (README, "State file": Writing). A command declares whether
// it may write before it loads (Session.open); the lines run in a row share that command until
// the caller has to wait (for input, for a person), where settle() writes what they reached and
// unlocks. A batch from a regular file is one command; `-batch -` settles before each wait for
// input, as the shell will before each prompt.
import type { Ctx } from './context.js';
import { lineWrites, printCommandTrace, runLine } from './dispatch.js';
import type { Hold, Session } from './session.js';

/** What every command of the invocation shares; the hold and the observer are filled in per command. */
export type CtxBase = Omit<Ctx, 'hold' | 'kernel' | 'loadedKernel' | 'observer'>;

export class CommandRunner {
  private hold: Hold | undefined;
  /** The open command's context, made once for all its lines (it changes with the hold or the observer). */
  private context: Ctx | undefined;

  constructor(
    private readonly session: Session,
    private readonly base: CtxBase,
  ) {}

  /** A command is open (lines ran, or are about to run, since the last settle). */
  get isOpen(): boolean {
    return this.hold !== undefined;
  }

  /** Opens a command, unless one is open: the lock first when anything it will run may write. */
  async open(write: boolean): Promise<Hold> {
    this.hold ??= await this.session.open({ write });
    return this.hold;
  }

  /** The context the open command's lines run with. */
  ctx(): Ctx {
    const hold = this.hold;
    if (!hold) throw new Error('internal error: no command is open');
    const observer = this.session.observer;
    if (this.context?.hold !== hold || this.context.observer !== observer) {
      this.context = { ...this.base, hold, observer, kernel: () => hold.kernel(), loadedKernel: () => hold.loaded };
    }
    return this.context;
  }

  /**
   * Runs one line in the open command. A line that may write, in a command that may not, ends
   * that command and opens its own, lock first: a copy loaded without the lock is never written.
   */
  async run(argv: string[], printTrace: boolean, only = false): Promise<number> {
    if (!this.hold) await this.open(await lineWrites(argv, this.base.opts));
    else if (!this.hold.canWrite && (await lineWrites(argv, this.base.opts))) {
      await this.settle();
      await this.open(true);
    }
    // The only command of the invocation: the process ends with it, so -n's reference goes before its trace.
    return runLine(this.ctx(), argv, printTrace, only ? () => this.leave() : undefined);
  }

  /** Ends the open command: what it changed is written and the lock released. */
  async settle(): Promise<void> {
    const hold = this.hold;
    this.hold = undefined;
    await hold?.commit();
  }

  /**
   * The invocation ends: -n's reference goes (if the last command has not let it go already), its
   * trace printed after the last command's when `trace`, then the last write.
   */
  async finish(trace: boolean): Promise<void> {
    await this.leave();
    const tracer = this.session.tracer;
    if (trace && tracer.enabled && tracer.events.length > 0) await printCommandTrace(this.base);
    await this.settle();
  }

  /** The process leaves -n's namespace: put_net, and cleanup_net if that was the last reference. */
  private async leave(): Promise<void> {
    const reference = this.session.reference;
    if (!reference.held) return;
    // Dropping a reference the file holds is a change: it needs the lock.
    if (this.hold && !this.hold.canWrite && reference.written) await this.settle();
    const hold = await this.open(reference.written);
    await hold.leave();
    const kernel = hold.loaded;
    if (kernel) {
      kernel.drainNetnsWq();
      kernel.endCommand();
    }
  }

  /** The process fails: the lock goes, nothing is written. */
  abandon(): void {
    this.hold?.close();
    this.hold = undefined;
  }
}
