// A loaded state's field kept in the state file's form until the engine takes it, so that a
// command makes only what it reads (README, "Speed"): net_namespace_list (lib/net_list.ts) and
// /run/netns (lib/run_netns.ts). Read before the engine takes it (a test, a decode-encode round
// trip), the field is made whole from that form, and the engine then takes the made value instead.
// The engine's structure that takes it installs itself as the field, where the state file's writer
// finds it, to store what the command never made as it was loaded.
import type { KernelState } from './state.js';

export class Deferred<K extends keyof KernelState, S, O> {
  private readonly pending = new WeakMap<KernelState, S>();
  /** The structure each state's field was handed to (install). */
  private readonly owners = new WeakMap<KernelState, O>();

  constructor(
    private readonly key: K,
    private readonly make: (source: S) => KernelState[K],
  ) {}

  /** Gives state[key] the source, as a getter that makes the value at its first read. */
  defer(state: KernelState, source: S): void {
    this.pending.set(state, source);
    let value: KernelState[K] | undefined;
    Object.defineProperty(state, this.key, {
      configurable: true,
      enumerable: true,
      get: () => {
        this.pending.delete(state);
        return (value ??= this.make(source));
      },
    });
  }

  /** Hands state[key] to the structure that now holds it: reading the property asks it (`read`). */
  install(state: KernelState, owner: O, read: () => KernelState[K]): void {
    this.owners.set(state, owner);
    Object.defineProperty(state, this.key, { configurable: true, enumerable: true, get: read });
  }

  /** The structure state[key] was handed to, if any. */
  ownerOf(state: KernelState): O | undefined {
    return this.owners.get(state);
  }

  /** The source, once: undefined when state[key] was never deferred, was read, or was taken. */
  take(state: KernelState): S | undefined {
    const source = this.pending.get(state);
    this.pending.delete(state);
    return source;
  }
}
