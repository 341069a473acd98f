// An invocation's hold on the state file (README, "State file": Writing, Locking). Every command declares first whether it
// may write; `open()` takes the lock for a writer before anything is read, and the kernel can only
// be loaded through the Hold that open() returns, so no path can load a copy and lock afterwards.
// A Hold loads once (the implicit seed boot when there is no file yet) and writes at most once, at
// its end, whatever the completed lines reached. An invocation is one Hold, except a batch read
// as it arrives, where each run of lines read before waiting for input is a Hold of its own.
import { partitionHolders } from '../lib/holders.js';
import { Machine } from '../lib/machine.js';
import type { Holder, Net } from '../lib/state.js';
import { Tracer } from '../lib/trace.js';
import { acquireLock, type Lock } from '../store/lock.js';
import { isAlive, selfIdentity } from '../store/procfs.js';
import { readState } from '../store/state_file.js';

/** Builds the kernel a fresh `seed` boot leaves, untraced (the implicit boot is never traced). */
export type SeedBoot = (hold: Hold) => Promise<Machine>;

/** What a command declares before it may load the state. */
export interface Intent {
  /** The command may change the state: the lock is taken before the load. */
  readonly write: boolean;
}

/** A namespace across loads: serials are unique within one boot only. */
export interface NetRef {
  readonly boot_id: string;
  readonly serial: number;
}

/** What an invocation keeps across its Holds. */
interface Core {
  readonly path: string;
  readonly tracer: Tracer;
  readonly seedBoot: SeedBoot;
  /** A command of this invocation booted implicitly: from then on the kernel exists, and `boot` is refused. */
  bootedImplicitly: boolean;
  /**
   * The reference `-n` took (setns() does get_net on the new namespace): a holder record with this
   * process as its wrapper and no CMD, so that the process model places this process in the
   * namespace and a reader of the file sees the reference, reaped like any holder if the process
   * dies. It reaches the file only when a write happens while it is held.
   */
  reference: Holder | undefined;
  /** The state file holds the reference (an earlier write did). */
  referenceWritten: boolean;
  open: Hold | undefined;
}

function sameHolder(a: Holder, b: Holder): boolean {
  return a.wrapper_pid === b.wrapper_pid && a.wrapper_start === b.wrapper_start && a.cmd_pid === b.cmd_pid && a.boot_id === b.boot_id && a.serial === b.serial;
}

export class Session {
  readonly tracer: Tracer;
  /** iproute2's netns name cache: one per process, so it outlives the lines of a batch. */
  netnsMap: Map<number, string> | undefined;
  /** The namespace this process acts from (-n, IPSIM_NETNS); init_net when unset. */
  observer: NetRef | undefined;
  private readonly core: Core;

  constructor(
    readonly path: string,
    trace: boolean,
    seedBoot: SeedBoot,
  ) {
    this.tracer = new Tracer(trace);
    this.core = { path, tracer: this.tracer, seedBoot, bootedImplicitly: false, reference: undefined, referenceWritten: false, open: undefined };
  }

  /** Opens the state for one command: the lock first when it may write; nothing is loaded yet. */
  async open(intent: Intent): Promise<Hold> {
    if (this.core.open) throw new Error('internal error: a command is already open on the state');
    const lock = intent.write ? await acquireLock(this.path) : undefined;
    const hold = new Hold(this.core, lock);
    this.core.open = hold;
    return hold;
  }

  /** Whether -n's reference is held, and whether dropping it changes the file (so needs the lock). */
  get reference(): { held: boolean; written: boolean } {
    return { held: this.core.reference !== undefined, written: this.core.referenceWritten };
  }
}

/** One command's use of the state: at most one load (exec's step 3 reloads) and one write. */
class Hold {
  private current: Machine | undefined;
  /** Set by boot: the file must be written even if nothing changes after it. */
  private replaced = false;
  /** The reference must reach the file at this Hold's write (it outlives this command). */
  private publish = false;

  constructor(
    private readonly core: Core,
    private lock: Lock | undefined,
  ) {}

  get path(): string {
    return this.core.path;
  }

  /** The lock is held: the command may change the state. */
  get canWrite(): boolean {
    return this.lock !== undefined;
  }

  /** The kernel, loaded once; a missing file is a fresh seed boot, in memory. */
  async kernel(): Promise<Machine> {
    if (this.current) return this.current;
    const loaded = await this.load();
    if (loaded) return loaded;
    const booted = await this.core.seedBoot(this);
    this.current = new Machine(booted.state, this.core.tracer);
    this.core.bootedImplicitly = true;
    return this.current;
  }

  /**
   * Reads the file, if there is one. Holders whose processes died are reaped here, before the
   * command's own work (README, process model); that needs the lock, so a reader that finds any
   * takes it and reads again.
   */
  private async load(): Promise<Machine | undefined> {
    let state = await readState(this.core.path);
    let dead = state ? partitionHolders(state.holders, isAlive).dead : [];
    if (dead.length > 0 && !this.lock) {
      this.lock = await acquireLock(this.core.path);
      state = await readState(this.core.path);
      dead = state ? partitionHolders(state.holders, isAlive).dead : [];
    }
    if (!state) return undefined;
    const kernel = new Machine(state, this.core.tracer);
    this.current = kernel;
    // Each dead holder's reference goes with put_net, lowest wrapper pid first; then one cleanup_net.
    if (dead.length > 0) {
      for (const holder of dead) kernel.dropHolder(holder);
      kernel.drainNetnsWq();
    }
    return kernel;
  }

  /** The loaded kernel, if any command has needed it yet. */
  get loaded(): Machine | undefined {
    return this.current;
  }

  /**
   * Whether the invocation has a kernel: one loaded, an implicit boot an earlier line made, or a
   * state file (loaded, validated and reaped). Never boots.
   */
  async exists(): Promise<boolean> {
    if (this.current || this.core.bootedImplicitly) return true;
    return (await this.load()) !== undefined;
  }

  /** After `reset`: the next command starts from a missing file; the reference went with the kernel. */
  forget(): void {
    this.current = undefined;
    this.replaced = false;
    this.publish = false;
    this.core.bootedImplicitly = false;
    this.core.reference = undefined;
    this.core.referenceWritten = false;
  }

  /** `boot` installs the kernel it built; it is written at the end. */
  replace(kernel: Machine): void {
    this.current = kernel;
    this.replaced = true;
    this.core.bootedImplicitly = false;
  }

  /**
   * netns_switch()'s setns() for `-n`: this process takes a reference on net (get_net), then the
   * one an earlier -n took goes (put_net). Neither is a change to the file by itself.
   */
  setns(kernel: Machine, net: Net): void {
    const self = selfIdentity();
    const holder: Holder = { wrapper_pid: self.pid, wrapper_start: self.startTime, cmd_pid: 0, cmd_start: '', boot_id: kernel.state.boot_id, serial: net.serial };
    const dirty = kernel.dirty;
    kernel.addHolder(holder, net);
    kernel.dirty = dirty;
    this.dropReference(kernel);
    this.core.reference = holder;
  }

  /** The reference outlives this command (a batch waiting for input): write it. */
  publishReference(): void {
    if (this.core.reference) this.publish = true;
  }

  /**
   * The process leaves -n's namespace (it exits, or `exec` switches it elsewhere): put_net, and
   * cleanup_net at the end of the command if that was the last reference. Only a reference the
   * file holds, or a last one, makes this a change.
   */
  async leave(): Promise<void> {
    const kernel = this.current ?? (this.core.reference ? await this.load() : undefined);
    if (kernel) this.dropReference(kernel);
    this.core.reference = undefined;
  }

  /** put_net on -n's reference now (exec's own setns() moves the process elsewhere). */
  dropReference(kernel: Machine): void {
    const reference = this.core.reference;
    if (!reference) return;
    this.core.reference = undefined;
    const recorded = kernel.state.holders.find((h) => sameHolder(h, reference));
    if (!recorded) return;
    const dirty = kernel.dirty;
    kernel.dropHolder(recorded);
    const net = kernel.netBySerialNo(recorded.serial);
    if (!this.core.referenceWritten && net !== undefined && net.count > 0) kernel.dirty = dirty;
  }

  /** `netns exec` step 1 ends: what the command reached is written and the lock released. */
  async suspend(): Promise<void> {
    await this.checkpoint();
    this.releaseLock();
    this.current = undefined;
  }

  /** `netns exec` step 3 begins: the lock again, and the state as other processes left it. */
  async resume(): Promise<Machine> {
    this.lock ??= await acquireLock(this.core.path);
    this.current = undefined;
    return this.kernel();
  }

  /** Writes what changed (atomically, then the journal), keeping the lock. */
  async checkpoint(): Promise<void> {
    const kernel = this.current;
    if (!kernel || !(kernel.dirty || this.replaced || this.publish)) return;
    if (!this.lock) throw new Error('internal error: a change was made without the lock');
    const { writeState } = await import('../store/write.js');
    writeState(this.core.path, kernel.state, kernel.nameEvents);
    kernel.dirty = false;
    kernel.nameEvents.length = 0;
    this.replaced = false;
    this.publish = false;
    const reference = this.core.reference;
    this.core.referenceWritten = reference !== undefined && kernel.state.holders.some((h) => sameHolder(h, reference));
  }

  /** The command ends: what changed is written and the lock released. */
  async commit(): Promise<void> {
    try {
      await this.checkpoint();
    } finally {
      this.close();
    }
  }

  /** The command ends without writing (the process is failing anyway). */
  close(): void {
    this.releaseLock();
    this.current = undefined;
    if (this.core.open === this) this.core.open = undefined;
  }

  private releaseLock(): void {
    this.lock?.release();
    this.lock = undefined;
  }
}

export type { Hold };
