// The state file's format: one versioned JSON document holding the emulated kernel. Loading checks
// its shape (store/snapshot_schema.ts, through the check compiled from it) and then the kernel's
// own invariants, so a hand-edited or foreign file is reported instead of being run into a corrupt
// kernel.
import { isAscii, isUtf8 } from 'node:buffer';
import { NET_NS_CALLBACKS, NET_NS_OPS } from '../lib/net_namespace.js';
import { PROC_DYNAMIC_FIRST } from '../lib/proc_fs.js';
import { deferredNets, indexOfAscending, type NetSource } from '../lib/net_list.js';
import { deferredNames, type NameColumns } from '../lib/run_netns.js';
import type { Slot } from '../lib/generic.js';
import type { KernelState, Net, NetnsName, NsidEntry } from '../lib/state.js';
import { isStateDocument } from './snapshot_check.js';
import { STATE_FORMAT, STATE_VERSION } from './snapshot_format.js';

/** What to do with a state file this ipsim cannot use: it is never overwritten, so the user decides. */
const WAY_OUT = ' (keep a copy, then run "ipsim reset")';

/** Control characters from the file (JSON.parse quotes it, names may hold them) kept to one line. */
function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A state file's content that cannot be used: one line, ending with the way out. */
export class SnapshotError extends Error {
  constructor(reason: string) {
    super(`${oneLine(reason)}${WAY_OUT}`);
    this.name = 'SnapshotError';
  }
}

/** A ptr[] slot of the namespace whose serial is `net`: gen_slots holds every namespace's, in list order. */
export interface SlotRow extends Slot {
  net: number;
}

/** An nsid table entry of the namespace whose serial is `net`, in list order then by nsid. */
export interface NsidRow extends NsidEntry {
  net: number;
}

/** net_namespace_list as the file holds it: a column per field of struct net, a row per entry of its arrays. */
export interface NetColumns {
  serial: number[];
  proc_inum: (number | null)[];
  count: number[];
  loopback_dev: ('lo' | null)[];
  gen_len: number[];
  gen_slots: SlotRow[];
  nsids: NsidRow[];
}

/** The kernel as the file holds it, and as the invariants are checked. */
export type KernelDocument = Omit<KernelState, 'net_namespace_list' | 'names'> & { net_namespace_list: NetColumns; names: NameColumns };

/** A struct net in the file's form, appended to the columns. */
function addNet(c: NetColumns, net: Net): void {
  if (net.passive !== 1 || net.dev_base_seq !== 1 || net.user_ns !== 'init_user_ns') {
    throw new Error(`refusing to write an inconsistent state: net ${net.serial} has passive ${net.passive}, dev_base_seq ${net.dev_base_seq}, user_ns ${net.user_ns}`);
  }
  c.serial.push(net.serial);
  c.proc_inum.push(net.proc_inum);
  c.count.push(net.count);
  c.loopback_dev.push(net.loopback_dev as 'lo' | null);
  c.gen_len.push(net.gen.len);
  const { slots } = net.gen;
  for (let j = 0; j < slots.length; j += 1) {
    const slot = slots[j]!;
    c.gen_slots.push({ net: net.serial, index: slot.index, ops: slot.ops, size: slot.size, state: slot.state });
  }
  for (let j = 0; j < net.nsids.length; j += 1) c.nsids.push({ net: net.serial, nsid: net.nsids[j]!.nsid, peer: net.nsids[j]!.peer });
}

/** Bound names in the file's form. */
function nameColumns(bound: readonly NetnsName[]): NameColumns {
  const names: NameColumns = { name: new Array<string>(bound.length), serial: new Array<number>(bound.length) };
  for (let i = 0; i < bound.length; i += 1) {
    names.name[i] = bound[i]!.name;
    names.serial[i] = bound[i]!.serial;
  }
  return names;
}

/**
 * Copies namespaces of a loaded file to new columns by their index there, in list order: their
 * slot and nsid rows are found by one forward pass over the file's rows, which are in list order.
 */
class RowCopier {
  private slot = 0;
  private nsid = 0;

  constructor(
    private readonly from: NetColumns,
    private readonly to: NetColumns,
  ) {}

  copy(i: number): void {
    const { from, to } = this;
    const serial = from.serial[i]!;
    to.serial.push(serial);
    to.proc_inum.push(from.proc_inum[i] as number | null);
    to.count.push(from.count[i]!);
    to.loopback_dev.push(from.loopback_dev[i] as 'lo' | null);
    to.gen_len.push(from.gen_len[i]!);
    this.slot = copyRows(from.gen_slots, this.slot, serial, to.gen_slots);
    this.nsid = copyRows(from.nsids, this.nsid, serial, to.nsids);
  }
}

/** Appends the rows of `serial` found from `at` on (rows before it are skipped); the index after them. */
function copyRows<R extends { net: number }>(rows: readonly R[], at: number, serial: number, into: R[]): number {
  while (at < rows.length && rows[at]!.net < serial) at += 1;
  while (at < rows.length && rows[at]!.net === serial) into.push(rows[at++]!);
  return at;
}

/**
 * A command's state in the file's form. passive, dev_base_seq and user_ns are not stored: every
 * namespace a command leaves has 1, 1 and init_user_ns (net_alloc, setup_net).
 */
export function kernelDocument(state: KernelState): KernelDocument {
  const c: NetColumns = { serial: [], proc_inum: [], count: [], loopback_dev: [], gen_len: [], gen_slots: [], nsids: [] };
  const list = deferredNets.ownerOf(state);
  if (list === undefined) {
    for (const net of state.net_namespace_list) addNet(c, net);
  } else {
    // A namespace the command never read is copied from the file it came from, rows and all,
    // instead of being made to be taken apart again (at 10,000 namespaces, 12 ms of a write).
    let copier: RowCopier | undefined;
    list.forEachLive(
      (net) => addNet(c, net),
      (source, i) => (source instanceof ColumnSource ? (copier ??= new RowCopier(source.columns, c)).copy(i) : addNet(c, source.net(i))),
    );
  }
  const names = deferredNames.ownerOf(state)?.nameColumns() ?? nameColumns(state.names);
  const { boot_id, next_serial, initialized, max_gen_ptrs, proc_reserved, first_device, pernet_list, holders } = state;
  return { boot_id, next_serial, initialized, max_gen_ptrs, proc_reserved, first_device, pernet_list, net_namespace_list: c, names, holders };
}

/**
 * The file's text for a state. A command must never leave a state the loader would refuse: the
 * kernel model keeps the invariants by construction, so a failure here is a bug (exit 70), not a
 * refusal.
 */
export function encodeSnapshot(state: KernelState): string {
  const kernel = kernelDocument(state);
  const problem = inconsistency(kernel);
  if (problem) throw new Error(`refusing to write an inconsistent state: ${problem}`);
  return `${JSON.stringify({ format: STATE_FORMAT, version: STATE_VERSION, kernel })}\n`;
}

/**
 * The file's text. Invalid UTF-8 is refused rather than read as U+FFFD and written back changed;
 * a BOM is kept, so JSON.parse refuses it. ASCII, what ipsim writes unless a name is not, becomes
 * a one-byte string without decoding (the cheapest string V8 makes, and JSON.parse's fastest).
 */
function utf8Text(bytes: Uint8Array): string {
  // A Buffer, as a read returns it, is taken as it is: a new view costs Buffer.from's functions.
  const buf = bytes instanceof Buffer ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isAscii(buf)) return buf.toString('latin1');
  // isUtf8 validates as a fatal TextDecoder does (simdutf), without its copy.
  if (!isUtf8(buf)) throw new SnapshotError('not valid UTF-8');
  return buf.toString('utf8');
}

/**
 * The document's kernel, once it passes the schema. The compiled check decides without
 * allocating; only on a refusal are valibot and the schema loaded and run, for the message naming
 * the first issue (loading them costs every other start a few tenths of a millisecond).
 */
async function schemaChecked(doc: object): Promise<KernelDocument> {
  if (isStateDocument(doc)) return (doc as { kernel: KernelDocument }).kernel;
  const issue = (await import('./snapshot_schema.js')).firstIssue(doc);
  // Unreachable while the compiled check is valibot's decision (test/property.test.ts).
  if (issue === undefined) return (doc as { kernel: KernelDocument }).kernel;
  throw new SnapshotError(issue);
}

/** Decodes and checks a state file's bytes; throws SnapshotError saying what is wrong. */
export async function decodeSnapshot(bytes: Uint8Array): Promise<KernelState> {
  const text = utf8Text(bytes);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new SnapshotError(`not JSON (${(err as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || !('format' in doc) || doc.format !== STATE_FORMAT) {
    throw new SnapshotError(`not an ipsim state: it has no "format":"${STATE_FORMAT}"`);
  }
  const version = 'version' in doc ? doc.version : null;
  if (version === 1 && 'kernel' in doc) doc = { format: STATE_FORMAT, version: STATE_VERSION, kernel: fromVersion1(doc.kernel) };
  else if (version !== STATE_VERSION) {
    throw new SnapshotError(`unknown format version ${JSON.stringify(version)} (this ipsim reads versions 1 and ${STATE_VERSION})`);
  }
  const kernel = await schemaChecked(doc as object);
  const problem = inconsistency(kernel);
  if (problem) throw new SnapshotError(`inconsistent: ${problem}`);
  return kernelState(kernel);
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * A version 1 kernel (an object per namespace and per name) in version 2's form, so that one check
 * decides both and the next write stores version 2. What does not have version 1's shape is left
 * as it is, for the check to refuse.
 */
function fromVersion1(kernel: unknown): unknown {
  if (!isRecord(kernel)) return kernel;
  const { net_namespace_list: nets, names } = kernel;
  if (!Array.isArray(nets) || !nets.every(isRecord) || !Array.isArray(names) || !names.every(isRecord)) return kernel;
  const c = { serial: [] as unknown[], proc_inum: [] as unknown[], count: [] as unknown[], loopback_dev: [] as unknown[], gen_len: [] as unknown[], gen_slots: [] as unknown[], nsids: [] as unknown[] };
  for (const [i, net] of nets.entries()) {
    // Version 2 does not store them: they must be what every namespace a command leaves has.
    for (const [field, value] of [['passive', 1], ['dev_base_seq', 1], ['user_ns', 'init_user_ns']] as const) {
      if (net[field] !== value) throw new SnapshotError(`inconsistent: net_namespace_list[${i}]: ${field} is ${JSON.stringify(net[field])}, expected ${JSON.stringify(value)}`);
    }
    const gen = isRecord(net.gen) ? net.gen : {};
    c.serial.push(net.serial);
    c.proc_inum.push(net.proc_inum);
    c.count.push(net.count);
    c.loopback_dev.push(net.loopback_dev);
    c.gen_len.push(gen.len);
    const rows = (list: unknown, into: unknown[]): void => {
      if (Array.isArray(list)) for (const row of list) into.push(isRecord(row) ? { net: net.serial, ...row } : row);
      else into.push(list);
    };
    rows(gen.slots, c.gen_slots);
    rows(net.nsids, c.nsids);
  }
  return { ...kernel, net_namespace_list: c, names: { name: names.map((n) => n.name), serial: names.map((n) => n.serial) } };
}

/** Rows grouped by the namespace they name, each made into its entry (without `net`). */
function byNet<R extends { net: number }, E>(rows: readonly R[], entry: (row: R) => E): Map<number, E[]> {
  const groups = new Map<number, E[]>();
  for (const row of rows) {
    const group = groups.get(row.net);
    if (group) group.push(entry(row));
    else groups.set(row.net, [entry(row)]);
  }
  return groups;
}

/**
 * The namespaces of a checked document, each made into a struct net when first asked for: a
 * command that reads a few of 10,000 namespaces makes a few (lib/net_list.ts).
 */
class ColumnSource implements NetSource {
  private readonly made: (Net | undefined)[];
  /** Each namespace's slots and nsid entries, by serial: only namespaces that have some. */
  private slots: Map<number, Slot[]> | undefined;
  private nsids: Map<number, NsidEntry[]> | undefined;

  constructor(readonly columns: NetColumns) {
    this.made = new Array<Net | undefined>(columns.serial.length);
  }

  get length(): number {
    return this.columns.serial.length;
  }

  serial(i: number): number {
    return this.columns.serial[i]!;
  }

  proc_inum(i: number): number | null {
    return this.columns.proc_inum[i]!;
  }

  hasNsids(i: number): boolean {
    return this.nsidTables().has(this.columns.serial[i]!);
  }

  private slotArrays(): Map<number, Slot[]> {
    this.slots ??= byNet(this.columns.gen_slots, ({ index, ops, size, state }) => ({ index, ops, size, state }));
    return this.slots;
  }

  private nsidTables(): Map<number, NsidEntry[]> {
    this.nsids ??= byNet(this.columns.nsids, ({ nsid, peer }) => ({ nsid, peer }));
    return this.nsids;
  }

  net(i: number): Net {
    let net = this.made[i];
    if (net === undefined) {
      const c = this.columns;
      const serial = c.serial[i]!;
      net = this.made[i] = {
        serial,
        proc_inum: c.proc_inum[i]!,
        count: c.count[i]!,
        passive: 1,
        dev_base_seq: 1,
        user_ns: 'init_user_ns',
        loopback_dev: c.loopback_dev[i]!,
        gen: { len: c.gen_len[i]!, slots: (c.gen_slots.length > 0 && this.slotArrays().get(serial)) || [] },
        nsids: (c.nsids.length > 0 && this.nsidTables().get(serial)) || [],
      };
    }
    return net;
  }
}

/** The state a checked document holds; its namespaces are made as they are read. */
function kernelState(k: KernelDocument): KernelState {
  const source = new ColumnSource(k.net_namespace_list);
  const { boot_id, next_serial, initialized, max_gen_ptrs, proc_reserved, first_device, pernet_list, holders } = k;
  const state: KernelState = { boot_id, next_serial, initialized, max_gen_ptrs, proc_reserved, first_device, pernet_list, net_namespace_list: [], names: [], holders };
  deferredNets.defer(state, source);
  deferredNames.defer(state, k.names);
  return state;
}

/**
 * The invariants every command keeps, checked on the file's form in one pass over each column (no
 * check is quadratic, and a valid state allocates little beyond the names' set and one count per
 * namespace); the first one broken, or undefined. Shapes and bounds are the schema's.
 */
export function inconsistency(k: KernelDocument): string | undefined {
  return columnsProblem(k) ?? netsProblem(k) ?? opsProblem(k) ?? perNetProblem(k) ?? refsProblem(k);
}

const NET_COLUMNS = ['proc_inum', 'count', 'loopback_dev', 'gen_len'] as const;

/** Every column of a table has a value for each of its rows. */
function columnsProblem(k: KernelDocument): string | undefined {
  const c = k.net_namespace_list;
  for (const column of NET_COLUMNS) {
    if (c[column].length !== c.serial.length) return `net_namespace_list.${column} has ${c[column].length} entries, serial has ${c.serial.length}`;
  }
  if (k.names.serial.length !== k.names.name.length) return `names.serial has ${k.names.serial.length} entries, name has ${k.names.name.length}`;
  return undefined;
}

/** The proc inode numbers of the first `end` namespaces: a set only once they stop ascending. */
function inumsBefore(inumColumn: readonly (number | null)[], end: number): Set<number> {
  const inums = new Set<number>();
  for (let i = 0; i < end; i += 1) {
    const inum = inumColumn[i]!;
    if (inum !== null) inums.add(inum);
  }
  return inums;
}

/** A row of gen_slots or nsids that no namespace in list order takes. */
function strayRow(column: string, r: number, net: number): string {
  return `net_namespace_list.${column}[${r}]: net ${net} is not a namespace, or its rows are out of list order`;
}

/** Serials, inode numbers, generic slots, nsids: struct net on its own and against the others. */
function netsProblem(k: KernelDocument): string | undefined {
  const c = k.net_namespace_list;
  const serials = c.serial;
  const n = serials.length;
  if (k.initialized !== (n > 0)) return `initialized is ${k.initialized} but net_namespace_list has ${n} namespaces`;
  // The proc IDA hands out the lowest free number, so inode numbers ascend until one is reused:
  // while they do, none can repeat, and no set is needed.
  let inums: Set<number> | undefined;
  let lastInum = -1;
  let lastSerial = -1;
  for (let i = 0; i < n; i += 1) {
    const serial = serials[i]!;
    // net_alloc hands out serials in order and copy_net_ns appends: the list is ascending.
    if (serial <= lastSerial) return `net_namespace_list.serial[${i}]: serial ${serial} is not above the previous namespace's ${lastSerial}`;
    lastSerial = serial;
    if (serial >= k.next_serial) return `net_namespace_list.serial[${i}]: serial ${serial} is not below next_serial ${k.next_serial}`;
    if ((serial === 0) !== (i === 0)) return `net_namespace_list.serial[${i}]: init_net (serial 0) must be first`;
  }
  let slot = 0;
  let nsid = 0;
  for (let i = 0; i < n; i += 1) {
    const serial = serials[i]!;
    const inum = c.proc_inum[i]!;
    if (inum !== null) {
      if (inums === undefined && inum > lastInum) {
        lastInum = inum;
      } else {
        inums ??= inumsBefore(c.proc_inum, i);
        if (inums.has(inum)) return `net_namespace_list.proc_inum[${i}]: proc_inum ${inum} appears twice`;
        inums.add(inum);
      }
      if (inum - PROC_DYNAMIC_FIRST < k.proc_reserved) return `net_namespace_list.proc_inum[${i}]: proc_inum ${inum} is a reserved index`;
    }
    const len = c.gen_len[i]!;
    if (len > k.max_gen_ptrs) return `net_namespace_list.gen_len[${i}]: gen_len ${len} exceeds max_gen_ptrs ${k.max_gen_ptrs}`;
    // This namespace's rows: the ones up to the first naming a later namespace.
    for (let last = -1; slot < c.gen_slots.length && c.gen_slots[slot]!.net <= serial; slot += 1) {
      const row = c.gen_slots[slot]!;
      if (row.net !== serial) return strayRow('gen_slots', slot, row.net);
      if (row.index <= last || row.index >= len) return `net_namespace_list.gen_slots[${slot}]: slot ${row.index} of net ${serial} out of order or beyond gen_len ${len}`;
      last = row.index;
    }
    for (let last = -1; nsid < c.nsids.length && c.nsids[nsid]!.net <= serial; nsid += 1) {
      const row = c.nsids[nsid]!;
      if (row.net !== serial) return strayRow('nsids', nsid, row.net);
      if (row.nsid <= last) return `net_namespace_list.nsids[${nsid}]: the nsids of net ${serial} are not strictly ascending`;
      last = row.nsid;
    }
  }
  if (slot < c.gen_slots.length) return strayRow('gen_slots', slot, c.gen_slots[slot]!.net);
  if (nsid < c.nsids.length) return strayRow('nsids', nsid, c.nsids[nsid]!.net);
  // The serials ascend now: a peer is looked up by binary search.
  let peers: Set<number> | undefined;
  let table = -1;
  for (let r = 0; r < c.nsids.length; r += 1) {
    const row = c.nsids[r]!;
    if (row.net !== table) {
      table = row.net;
      peers = new Set();
    }
    if (indexOfAscending(serials, row.peer) < 0) return `net_namespace_list.nsids[${r}]: nsid ${row.nsid} of net ${row.net} names a namespace that does not exist`;
    if (peers!.has(row.peer)) return `net_namespace_list.nsids[${r}]: net ${row.net} has two nsids for one peer`;
    peers!.add(row.peer);
  }
  return undefined;
}

/** pernet_list: names, ids, the subsys/device split, net_ns_ops, callbacks with effects, faults. */
function opsProblem(s: KernelDocument): string | undefined {
  const opsNames = new Set<string>();
  const ids = new Set<number>();
  let firstDeviceSeen: string | null = null;
  for (const [i, ops] of s.pernet_list.entries()) {
    const at = `pernet_list[${i}]`;
    if (opsNames.has(ops.name)) return `${at}: ${ops.name} appears twice`;
    opsNames.add(ops.name);
    if (ops.id !== null) {
      if (ids.has(ops.id)) return `${at}: generic id ${ops.id} appears twice`;
      if (ops.id > s.max_gen_ptrs) return `${at}: generic id ${ops.id} exceeds max_gen_ptrs ${s.max_gen_ptrs}`;
      ids.add(ops.id);
    }
    if (ops.kind === 'device' && firstDeviceSeen === null) firstDeviceSeen = ops.name;
    if (ops.kind === 'subsys' && firstDeviceSeen !== null) return `${at}: subsys ${ops.name} after device ${firstDeviceSeen}`;
    if (ops.name === NET_NS_OPS.name) {
      const { name, kind, id, size, init, exit, exit_batch } = ops;
      const expected = { name, kind: 'subsys', id: null, size: NET_NS_OPS.size, init: NET_NS_OPS.init, exit: NET_NS_OPS.exit, exit_batch: NET_NS_OPS.exit_batch };
      if (JSON.stringify({ name, kind, id, size, init, exit, exit_batch }) !== JSON.stringify(expected)) return `${at}: net_ns_ops is not the ops net_ns_init registers`;
      if (!s.initialized) return `${at}: net_ns_ops is registered but net_ns_init has not run`;
    } else {
      for (const fn of [ops.init, ops.exit, ops.exit_batch]) {
        if (fn !== null && NET_NS_CALLBACKS.has(fn)) return `${at}: ${fn} can only be a callback of net_ns_ops`;
      }
    }
    if (ops.fail_init.length > 0 && ops.init === null) return `${at}: ${ops.name} has an init fault but no init callback`;
    if (ops.fail_alloc.length > 0 && (ops.id === null || ops.size === 0)) return `${at}: ${ops.name} has an allocation fault but allocates no generic data`;
  }
  if (s.first_device !== firstDeviceSeen) return `first_device is ${s.first_device ?? 'the list head'}, expected ${firstDeviceSeen ?? 'the list head'}`;
  return undefined;
}

/**
 * What every live namespace got from running every registered init (setup_net, or the
 * registration's ops_init): a proc inode number exactly when net_ns_ops is registered, `lo` when
 * loopback_net_init is, and live data in ptr[id-1] for each ops with id and size. Only ops_free or
 * a failed init makes a slot stale; a data slot names the ops owning its id, with that ops' size.
 * Stale slots may name anything: 3.x leaves the pointer behind.
 */
function perNetProblem(k: KernelDocument): string | undefined {
  const byId = new Map<number, { name: string; size: number }>();
  let netNsOps = false;
  let loopback = false;
  for (const ops of k.pernet_list) {
    if (ops.id !== null && ops.size > 0) byId.set(ops.id, ops);
    if (ops.name === NET_NS_OPS.name) netNsOps = true;
    if (ops.init === 'loopback_net_init') loopback = true;
  }
  const c = k.net_namespace_list;
  const rows = c.gen_slots;
  // netsProblem found the rows in list order, each naming a namespace.
  let r = 0;
  for (let i = 0; i < c.serial.length; i += 1) {
    const serial = c.serial[i]!;
    const inum = c.proc_inum[i]!;
    if ((inum !== null) !== netNsOps) {
      return `net_namespace_list.proc_inum[${i}]: proc_inum is ${inum}, but net_ns_ops is ${netNsOps ? '' : 'not '}registered`;
    }
    if (loopback && c.loopback_dev[i] === null) return `net_namespace_list.loopback_dev[${i}]: loopback_net_init is registered, yet loopback_dev is NULL`;
    let data = 0;
    const first = r;
    for (; r < rows.length && rows[r]!.net === serial; r += 1) {
      const slot = rows[r]!;
      if (slot.state !== 'data') continue;
      const owner = byId.get(slot.index + 1);
      if (!owner || owner.name !== slot.ops) return `net_namespace_list.gen_slots[${r}]: ptr[${slot.index}] of net ${serial} holds live data of ${slot.ops}, which does not own generic id ${slot.index + 1}`;
      if (owner.size !== slot.size) return `net_namespace_list.gen_slots[${r}]: ptr[${slot.index}] of net ${serial} holds ${slot.size} bytes, ${slot.ops} allocates ${owner.size}`;
      data += 1;
    }
    if (data !== byId.size) {
      const own = rows.slice(first, r);
      const [id, ops] = [...byId].find(([id]) => !own.some((slot) => slot.index === id - 1 && slot.state === 'data'))!;
      return `net_namespace_list.gen_slots: ptr[${id - 1}] of net ${serial} has no data of ${ops.name}, which has generic id ${id} and size ${ops.size}`;
    }
  }
  return undefined;
}

/** Names and holders are the references: count is exactly them (init_net has one more). */
function refsProblem(k: KernelDocument): string | undefined {
  const serials = k.net_namespace_list.serial;
  // References per namespace, by its index in the list (netsProblem found the serials ascending).
  const refs = new Uint32Array(serials.length);
  const seen = new Set<string>();
  const { name: names, serial: bound } = k.names;
  let hint = 0;
  for (let i = 0; i < names.length; i += 1) {
    const name = names[i]!;
    if (seen.has(name)) return `names.name[${i}]: "${name}" appears twice`;
    seen.add(name);
    const at = indexOfAscending(serials, bound[i]!, hint);
    if (at < 0) return `names.serial[${i}]: "${name}" is bound to a namespace that does not exist`;
    refs[at]! += 1;
    hint = at + 1;
  }
  for (let i = 0; i < k.holders.length; i += 1) {
    const at = indexOfAscending(serials, k.holders[i]!.serial);
    if (at < 0) return `holders[${i}]: holds a namespace that does not exist`;
    refs[at]! += 1;
  }
  for (let i = 0; i < serials.length; i += 1) {
    const count = k.net_namespace_list.count[i]!;
    const expected = refs[i]! + (serials[i] === 0 ? 1 : 0);
    if (count !== expected) return `net_namespace_list.count[${i}]: count is ${count}, expected ${expected} (names and holders)`;
    if (expected === 0) return `net_namespace_list.count[${i}]: no name or process holds it, yet cleanup_net has not removed it`;
  }
  return undefined;
}
