// One invocation's hold on the state file (contract §9.1): the lock only when something will be
// written, one load, the implicit seed boot when there is no file yet, and at most one write, at
// the end, of whatever the completed commands reached.
import { Kernel } from '../lib/net_namespace.js';
import { partitionHolders } from '../lib/nsproxy.js';
import type { Holder } from '../lib/state.js';
import { Tracer } from '../lib/trace.js';
import { acquireLock, type Lock } from '../store/lock.js';
import { isAlive } from '../store/procfs.js';
import { readState } from '../store/state_file.js';

/** Builds the kernel a fresh `seed` boot leaves, untraced (the implicit boot is never traced). */
export type SeedBoot = () => Promise<Kernel>;

export class Session {
  readonly tracer: Tracer;
  /** iproute2's netns name cache: one per process, so it outlives the lines of a batch. */
  netnsMap: Map<number, string> | undefined;
  private current: Kernel | undefined;
  private lock: Lock | undefined;
  /** The file did not exist when loaded: a boot happened in memory only. */
  private bootedImplicitly = false;
  /** Set by boot: the file must be written even if nothing changes after it. */
  private replaced = false;

  constructor(
    readonly path: string,
    trace: boolean,
    private readonly seedBoot: SeedBoot,
  ) {
    this.tracer = new Tracer(trace);
  }

  /** Takes the lock before the first load, for an invocation that will change the state. */
  async lockForWrite(): Promise<void> {
    if (!this.lock) this.lock = await acquireLock(this.path);
  }

  get locked(): boolean {
    return this.lock !== undefined;
  }

  /**
   * The kernel, loaded once; a missing file is a fresh seed boot. Holders whose processes died are
   * reaped here, before the command's own work (contract §9.3), which needs the lock.
   */
  async kernel(): Promise<Kernel> {
    if (this.current) return this.current;
    let state = readState(this.path);
    let dead = state ? partitionHolders(state.holders, isAlive).dead : [];
    if (dead.length > 0 && !this.lock) {
      await this.lockForWrite();
      state = readState(this.path);
      dead = state ? partitionHolders(state.holders, isAlive).dead : [];
    }
    if (state) {
      this.current = new Kernel(state, this.tracer);
      this.reap(this.current, dead);
    } else {
      const booted = await this.seedBoot();
      this.current = new Kernel(booted.state, this.tracer);
      this.bootedImplicitly = true;
    }
    return this.current;
  }

  /** Each dead holder's reference goes with put_net, lowest wrapper pid first; then one cleanup_net. */
  private reap(kernel: Kernel, dead: readonly Holder[]): void {
    if (dead.length === 0) return;
    for (const holder of dead) kernel.dropHolder(holder);
    kernel.drainNetnsWq();
  }

  /** `netns exec` step 1 ends: what the command reached is written and the lock released. */
  async suspend(): Promise<void> {
    await this.commit();
    this.current = undefined;
  }

  /** `netns exec` step 3 begins: the lock again, and the state as other processes left it. */
  async resume(): Promise<Kernel> {
    await this.lockForWrite();
    this.current = undefined;
    return this.kernel();
  }

  /** The loaded kernel, if any command has needed it yet. */
  get loaded(): Kernel | undefined {
    return this.current;
  }

  /** Whether a state file exists (loading, and so validating, it); never boots implicitly. */
  exists(): boolean {
    if (this.current) return !this.bootedImplicitly;
    const state = readState(this.path);
    if (state) this.current = new Kernel(state, this.tracer);
    return state !== undefined;
  }

  /** After `reset`: the next command starts from a missing file. */
  forget(): void {
    this.current = undefined;
    this.bootedImplicitly = false;
    this.replaced = false;
  }

  /** `boot` installs the kernel it built; it is written at the end. */
  replace(kernel: Kernel): void {
    this.current = kernel;
    this.bootedImplicitly = false;
    this.replaced = true;
  }

  /** Writes what changed (atomically, then the journal) and releases the lock. */
  async commit(): Promise<void> {
    try {
      await this.checkpoint();
    } finally {
      this.release();
    }
  }

  /** Writes what changed, keeping the lock. */
  async checkpoint(): Promise<void> {
    const kernel = this.current;
    if (!kernel || !(kernel.dirty || this.replaced)) return;
    if (!this.lock) throw new Error('internal error: a change was made without the lock');
    const { writeState } = await import('../store/write.js');
    writeState(this.path, kernel.state, kernel.nameEvents);
    kernel.dirty = false;
    kernel.nameEvents.length = 0;
    this.replaced = false;
    this.bootedImplicitly = false;
  }

  release(): void {
    this.lock?.release();
    this.lock = undefined;
  }
}
