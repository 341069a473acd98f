// The engine's work counters: what its walks touched since the state was loaded. The suite checks
// with them, not with timers, that an operation's work is linear in what the kernel touches (see
// the README's "Speed": work in proportion to what the kernel touches; test/complexity.test.ts).

export interface EngineWork {
  /** Namespaces visited by a walk: a list, a cleanup batch, an ops' exit or free list, an nsid table. */
  nets: number;
  /** pernet_operations visited by a walk over pernet_list. */
  ops: number;
  /** Entries copied or moved: into a rebuilt list, table or index, or by reordering a list. */
  moved: number;
  /** struct nets made from a loaded state file's columns: each when first read (lib/net_list.ts). */
  made: number;
}

export function newWork(): EngineWork {
  return { nets: 0, ops: 0, moved: 0, made: 0 };
}
