// /run/netns: the names bound to namespaces, in creation order, with the events a `monitor` reads,
// and the directory as the VFS sees it, a tmpfs whose entries are the namespaces' bind mounts. ip
// opens or creates paths under it with whatever name it is given (the name check is skipped under
// -all), so the errno of a path that is not a plain bound name is modelled here too.
import { EEXIST, EISDIR, ENAMETOOLONG, ENOENT, ENOTDIR } from './errno.js';
import { Deferred } from './deferred.js';
import { IndexedList } from './indexed_list.js';
import { Refused } from './refused.js';
import type { KernelState, Net, NetnsName } from './state.js';
import type { EngineWork } from './work.js';

/**
 * A name bound or unbound in /run/netns, in iproute2's file-operation order, for the journal
 * `monitor` follows (README, "ip netns compatibility").
 */
export interface NameEvent {
  ev: 'add' | 'delete';
  name: string;
}

/** At most NAME_MAX (255) bytes of UTF-8. A UTF-16 unit is at most 3 bytes: 85 units or fewer need no count. */
function isValidLength(name: string): boolean {
  return name.length <= 85 || Buffer.byteLength(name, 'utf8') <= 255;
}

export function isValidNetnsName(name: string): boolean {
  // iproute2's is_valid_netns_name(): non-empty, at most NAME_MAX bytes, no '/', not . or ..
  return (
    name.length > 0 &&
    isValidLength(name) &&
    !name.includes('/') &&
    name !== '.' &&
    name !== '..'
  );
}

/** /run/netns as the state file holds it: the names oldest first, and the serial each is bound to. */
export interface NameColumns {
  name: string[];
  serial: number[];
}

/** The entries the columns hold, oldest first. */
function entriesOf(columns: NameColumns): NetnsName[] {
  return columns.name.map((name, i) => ({ name, serial: columns.serial[i]! }));
}

/** The names of a loaded state, kept as columns until a lookup or a change needs entries: `netns list` reads the name column. */
export const deferredNames = new Deferred<'names', NameColumns, RunNetns>('names', entriesOf);

/** The directory's entries: state.names is their view, oldest first. */
export class RunNetns {
  /** The loaded state's columns, until the entries are made from them. */
  private columns: NameColumns | undefined;
  /**
   * Whether a lookup was answered from the columns: one lookup, what most commands make, scans the
   * name column (no entry made, nothing allocated); the next makes the entries and their index, so
   * a batch's lookups stay linear.
   */
  private scanned = false;
  private made: IndexedList<string, NetnsName> | undefined;
  /** Each namespace's names, oldest first; built at its first use (`netns list` and `show` need none). */
  private bySerialIndex: Map<number, string[]> | undefined;
  /** Names created or removed since the state was last written. */
  readonly events: NameEvent[] = [];

  constructor(
    state: KernelState,
    private readonly work: EngineWork,
    private readonly netOf: (serial: number) => Net | undefined,
  ) {
    this.columns = deferredNames.take(state);
    if (!this.columns) this.made = new IndexedList(state.names, (entry) => entry.name, work);
    deferredNames.install(state, this, () => this.entries.list());
  }

  /**
   * The names as the columns they were loaded as, with any bound since appended, until the entries
   * are made: the state file's writer stores them as they are.
   */
  nameColumns(): NameColumns | undefined {
    return this.columns;
  }

  private get entries(): IndexedList<string, NetnsName> {
    if (!this.made) {
      const entries = entriesOf(this.columns!);
      this.work.moved += entries.length;
      this.made = new IndexedList(entries, (entry) => entry.name, this.work);
      this.columns = undefined;
    }
    return this.made;
  }

  /** The names in readdir() order, without their namespaces or entries. */
  readdirNames(): string[] {
    const names = this.columns ? this.columns.name : this.entries.list().map((entry) => entry.name);
    const out = new Array<string>(names.length);
    for (let i = 0; i < names.length; i += 1) out[i] = names[names.length - 1 - i]!;
    return out;
  }

  private get bySerial(): Map<number, string[]> {
    if (!this.bySerialIndex) {
      const bySerial = new Map<number, string[]>();
      for (const entry of this.entries.values()) {
        const names = bySerial.get(entry.serial);
        if (names) names.push(entry.name);
        else bySerial.set(entry.serial, [entry.name]);
      }
      this.bySerialIndex = bySerial;
    }
    return this.bySerialIndex;
  }

  /** The serial of the namespace name is bound to. */
  serialOf(name: string): number | undefined {
    const columns = this.columns;
    if (columns !== undefined && !this.scanned) {
      this.scanned = true;
      const i = columns.name.indexOf(name);
      return i < 0 ? undefined : columns.serial[i];
    }
    return this.entries.get(name)?.serial;
  }

  /** The namespace a name is bound to. */
  netByName(name: string): Net | undefined {
    const serial = this.serialOf(name);
    return serial === undefined ? undefined : this.netOf(serial);
  }

  /** Bound names of a namespace, oldest first. */
  namesOf(net: Net): readonly string[] {
    return this.bySerial.get(net.serial) ?? [];
  }

  /** The directory as readdir() on tmpfs returns it: newest first. An array: a loop runs once, cold. */
  readdir(): { name: string; net: Net }[] {
    const names = this.entries.list();
    const out: { name: string; net: Net }[] = [];
    for (let i = names.length - 1; i >= 0; i -= 1) {
      const entry = names[i]!;
      out.push({ name: entry.name, net: this.netOf(entry.serial)! });
    }
    return out;
  }

  /** Binds a name to a namespace; the caller has already given the name its reference. */
  bind(name: string, net: Net): void {
    const columns = this.columns;
    if (columns !== undefined) {
      // Appended to the columns, as it would be to the entries (a name bound twice is refused as
      // a bug when the state is written: the invariants' names.name check).
      columns.name.push(name);
      columns.serial.push(net.serial);
      return;
    }
    if (this.entries.has(name)) throw new Error(`internal error: ${name} is already bound`);
    this.entries.add({ name, serial: net.serial });
    const names = this.bySerialIndex?.get(net.serial);
    if (names) names.push(name);
    else this.bySerialIndex?.set(net.serial, [name]);
  }

  /** Unbinds a name: the namespace it was bound to, whose reference the caller drops. */
  unbind(name: string): Net {
    const net = this.netByName(name);
    if (!net) throw new Refused(`${name} is not bound`);
    this.entries.delete(this.entries.get(name)!);
    const names = this.bySerialIndex?.get(net.serial);
    if (names) {
      names.splice(names.indexOf(name), 1);
      if (names.length === 0) this.bySerialIndex!.delete(net.serial);
    }
    return net;
  }

  /** A /run/netns file created or removed. */
  event(ev: 'add' | 'delete', name: string): void {
    this.events.push({ ev, name });
  }
}

/** What the open and create paths below look names up in. */
type Names = Pick<RunNetns, 'netByName'>;

/** What open("/run/netns/NAME", O_RDONLY) gives: a namespace, a directory (not a namespace), or an errno. */
export type Opened = { kind: 'net'; net: Net } | { kind: 'dir' } | { kind: 'error'; errno: number };

/** NAME split at '/', past the leading '' and '.' components that still mean /run/netns. */
function walk(name: string): { tooLong: boolean; first: string | undefined; rest: string[] } {
  // A plain name (what a batch of netns add gives, line after line) is one component.
  if (!name.includes('/') && name !== '' && name !== '.') return { tooLong: !isValidLength(name), first: name, rest: [] };
  const parts = name.split('/');
  let i = 0;
  while (i < parts.length && (parts[i] === '' || parts[i] === '.')) i += 1;
  return {
    tooLong: parts.some((p) => !isValidLength(p)),
    first: parts[i],
    rest: parts.slice(i + 1),
  };
}

const onlyDots = (parts: readonly string[]): boolean => parts.every((p) => p === '' || p === '.');

export function openNetnsFile(names: Names, name: string): Opened {
  const { tooLong, first, rest } = walk(name);
  if (tooLong) return { kind: 'error', errno: ENAMETOOLONG };
  if (first === undefined) return { kind: 'dir' };
  // /run itself is a directory; what else is under /run is not modelled.
  if (first === '..') return onlyDots(rest) ? { kind: 'dir' } : { kind: 'error', errno: ENOENT };
  const net = names.netByName(first);
  if (!net) return { kind: 'error', errno: ENOENT };
  // A bound name is a file: anything after it, even a trailing slash, is ENOTDIR.
  return rest.length > 0 ? { kind: 'error', errno: ENOTDIR } : { kind: 'net', net };
}

/** What open("/run/netns/NAME", O_CREAT|O_EXCL) fails with, or 0 when the file can be created. */
export function createError(names: Names, name: string): number {
  const { tooLong, first, rest } = walk(name);
  if (tooLong) return ENAMETOOLONG;
  const trailingSlash = name === '' || name.endsWith('/');
  if (first === undefined || (first === '..' && onlyDots(rest))) return trailingSlash ? EISDIR : EEXIST;
  if (first === '..') return ENOENT;
  const bound = names.netByName(first) !== undefined;
  if (rest.length === 0) return bound ? EEXIST : 0;
  if (bound) return ENOTDIR;
  return rest.length === 1 && rest[0] === '' ? EISDIR : ENOENT;
}
