// The state file's format: one versioned JSON document holding the emulated kernel. Loading checks
// its shape (store/snapshot_schema.ts, through the check compiled from it) and then the kernel's
// own invariants, so a hand-edited or foreign file is reported instead of being run into a corrupt
// kernel.
import { isAscii, isUtf8 } from 'node:buffer';
import * as v from 'valibot';
import { NET_NS_CALLBACKS, NET_NS_OPS } from '../lib/net_namespace.js';
import { PROC_DYNAMIC_FIRST } from '../lib/proc_fs.js';
import type { KernelState, Net } from '../lib/state.js';
import { isStateDocument } from './snapshot_check.js';
import { documentSchema, STATE_FORMAT, STATE_VERSION } from './snapshot_schema.js';

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

export function encodeSnapshot(state: KernelState): string {
  return `${JSON.stringify({ format: STATE_FORMAT, version: STATE_VERSION, kernel: state })}\n`;
}

/**
 * The file's text. Invalid UTF-8 is refused rather than read as U+FFFD and written back changed;
 * a BOM is kept, so JSON.parse refuses it. ASCII, what ipsim writes unless a name is not, becomes
 * a one-byte string without decoding (the cheapest string V8 makes, and JSON.parse's fastest).
 */
function utf8Text(bytes: Uint8Array): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isAscii(buf)) return buf.toString('latin1');
  // isUtf8 validates as a fatal TextDecoder does (simdutf), without its copy.
  if (!isUtf8(buf)) throw new SnapshotError('not valid UTF-8');
  return buf.toString('utf8');
}

/**
 * The document's kernel, once it passes the schema. The compiled check decides without
 * allocating; only on a refusal does valibot run, for the message naming the first issue.
 */
function schemaChecked(doc: object): KernelState {
  if (isStateDocument(doc)) return (doc as { kernel: KernelState }).kernel;
  const parsed = v.safeParse(documentSchema(), doc);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = v.getDotPath(issue);
    throw new SnapshotError(path ? `${path}: ${issue.message}` : issue.message);
  }
  // Unreachable while the compiled check is valibot's decision (test/property.test.ts).
  return parsed.output.kernel as KernelState;
}

/** Decodes and checks a state file's bytes; throws SnapshotError saying what is wrong. */
export function decodeSnapshot(bytes: Uint8Array): KernelState {
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
  if (!('version' in doc) || doc.version !== STATE_VERSION) {
    throw new SnapshotError(`unknown format version ${JSON.stringify('version' in doc ? doc.version : null)} (this ipsim reads version ${STATE_VERSION})`);
  }
  const state = schemaChecked(doc);
  const problem = inconsistency(state);
  if (problem) throw new SnapshotError(`inconsistent: ${problem}`);
  return state;
}

/**
 * Run before every write: a command must never leave a state the loader would refuse. The kernel
 * model keeps these invariants by construction, so a failure is a bug (exit 70), not a refusal.
 */
export function assertConsistent(state: KernelState): void {
  const problem = inconsistency(state);
  if (problem) throw new Error(`refusing to write an inconsistent state: ${problem}`);
}

/**
 * The invariants every command keeps, checked in one pass over each list (no check is quadratic,
 * and a valid state allocates no more than the names' set and one count per namespace); the first
 * one broken, or undefined. Shapes and bounds are the schema's.
 */
export function inconsistency(s: KernelState): string | undefined {
  return netsProblem(s) ?? opsProblem(s) ?? perNetProblem(s) ?? refsProblem(s);
}

const netAt = (i: number) => `net_namespace_list[${i}]`;

/**
 * The index of the namespace with this serial in a list netsProblem found strictly ascending, or
 * -1: `hint` first (references mostly come in list order), else a binary search.
 */
function indexOfSerial(nets: readonly Net[], serial: number, hint: number): number {
  if (hint < nets.length && nets[hint]!.serial === serial) return hint;
  let lo = 0;
  let hi = nets.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const at = nets[mid]!.serial;
    if (at === serial) return mid;
    if (at < serial) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** The proc inode numbers of nets[0..end): a set only once they stop ascending. */
function inumsBefore(nets: readonly Net[], end: number): Set<number> {
  const inums = new Set<number>();
  for (let i = 0; i < end; i += 1) {
    const inum = nets[i]!.proc_inum;
    if (inum !== null) inums.add(inum);
  }
  return inums;
}

/** Serials, inode numbers, nsids: struct net on its own and against the others. */
function netsProblem(s: KernelState): string | undefined {
  const nets = s.net_namespace_list;
  if (s.initialized !== (nets.length > 0)) return `initialized is ${s.initialized} but net_namespace_list has ${nets.length} namespaces`;
  // The proc IDA hands out the lowest free number, so inode numbers ascend until one is reused:
  // while they do, none can repeat, and no set is needed.
  let inums: Set<number> | undefined;
  let lastInum = -1;
  let lastSerial = -1;
  for (let i = 0; i < nets.length; i += 1) {
    const net = nets[i]!;
    // net_alloc hands out serials in order and copy_net_ns appends: the list is ascending.
    if (net.serial <= lastSerial) return `${netAt(i)}: serial ${net.serial} is not above the previous namespace's ${lastSerial}`;
    lastSerial = net.serial;
    if (net.serial >= s.next_serial) return `${netAt(i)}: serial ${net.serial} is not below next_serial ${s.next_serial}`;
    if ((net.serial === 0) !== (i === 0)) return `${netAt(i)}: init_net (serial 0) must be first`;
    const inum = net.proc_inum;
    if (inum !== null) {
      if (inums === undefined && inum > lastInum) {
        lastInum = inum;
      } else {
        inums ??= inumsBefore(nets, i);
        if (inums.has(inum)) return `${netAt(i)}: proc_inum ${inum} appears twice`;
        inums.add(inum);
      }
      if (inum - PROC_DYNAMIC_FIRST < s.proc_reserved) return `${netAt(i)}: proc_inum ${inum} is a reserved index`;
    }
    if (net.passive !== 1) return `${netAt(i)}: passive is ${net.passive}, expected 1`;
    const gen = net.gen;
    if (gen.len > s.max_gen_ptrs) return `${netAt(i)}: gen.len ${gen.len} exceeds max_gen_ptrs ${s.max_gen_ptrs}`;
    let last = -1;
    for (let j = 0; j < gen.slots.length; j += 1) {
      const slot = gen.slots[j]!;
      if (slot.index <= last || slot.index >= gen.len) return `${netAt(i)}: gen slot ${slot.index} out of order or beyond len ${gen.len}`;
      last = slot.index;
    }
    let lastNsid = -1;
    for (let j = 0; j < net.nsids.length; j += 1) {
      const entry = net.nsids[j]!;
      if (entry.nsid <= lastNsid) return `${netAt(i)}: nsids not strictly ascending`;
      lastNsid = entry.nsid;
    }
  }
  // The serials ascend now: a peer is looked up by binary search.
  for (let i = 0; i < nets.length; i += 1) {
    const nsids = nets[i]!.nsids;
    if (nsids.length === 0) continue;
    const peers = new Set<number>();
    for (let j = 0; j < nsids.length; j += 1) {
      const entry = nsids[j]!;
      if (indexOfSerial(nets, entry.peer, 0) < 0) return `${netAt(i)}: nsid ${entry.nsid} names a namespace that does not exist`;
      if (peers.has(entry.peer)) return `${netAt(i)}: two nsids for one peer`;
      peers.add(entry.peer);
    }
  }
  return undefined;
}

/** pernet_list: names, ids, the subsys/device split, net_ns_ops, callbacks with effects, faults. */
function opsProblem(s: KernelState): string | undefined {
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
function perNetProblem(s: KernelState): string | undefined {
  const byId = new Map<number, { name: string; size: number }>();
  let netNsOps = false;
  let loopback = false;
  for (const ops of s.pernet_list) {
    if (ops.id !== null && ops.size > 0) byId.set(ops.id, ops);
    if (ops.name === NET_NS_OPS.name) netNsOps = true;
    if (ops.init === 'loopback_net_init') loopback = true;
  }
  const nets = s.net_namespace_list;
  for (let i = 0; i < nets.length; i += 1) {
    const net = nets[i]!;
    if ((net.proc_inum !== null) !== netNsOps) {
      return `${netAt(i)}: proc_inum is ${net.proc_inum}, but net_ns_ops is ${netNsOps ? '' : 'not '}registered`;
    }
    if (loopback && net.loopback_dev === null) return `${netAt(i)}: loopback_net_init is registered, yet loopback_dev is NULL`;
    let data = 0;
    const slots = net.gen.slots;
    for (let j = 0; j < slots.length; j += 1) {
      const slot = slots[j]!;
      if (slot.state !== 'data') continue;
      const owner = byId.get(slot.index + 1);
      if (!owner || owner.name !== slot.ops) return `${netAt(i)}: ptr[${slot.index}] holds live data of ${slot.ops}, which does not own generic id ${slot.index + 1}`;
      if (owner.size !== slot.size) return `${netAt(i)}: ptr[${slot.index}] holds ${slot.size} bytes, ${slot.ops} allocates ${owner.size}`;
      data += 1;
    }
    if (data !== byId.size) {
      const [id, ops] = [...byId].find(([id]) => !net.gen.slots.some((slot) => slot.index === id - 1 && slot.state === 'data'))!;
      return `${netAt(i)}: ptr[${id - 1}] has no data of ${ops.name}, which has generic id ${id} and size ${ops.size}`;
    }
  }
  return undefined;
}

/** Names and holders are the references: count is exactly them (init_net has one more). */
function refsProblem(s: KernelState): string | undefined {
  const nets = s.net_namespace_list;
  // References per namespace, by its index in the list (netsProblem found the serials ascending).
  const refs = new Uint32Array(nets.length);
  const names = new Set<string>();
  let hint = 0;
  for (let i = 0; i < s.names.length; i += 1) {
    const entry = s.names[i]!;
    if (names.has(entry.name)) return `names[${i}]: "${entry.name}" appears twice`;
    names.add(entry.name);
    const at = indexOfSerial(nets, entry.serial, hint);
    if (at < 0) return `names[${i}]: "${entry.name}" is bound to a namespace that does not exist`;
    refs[at]! += 1;
    hint = at + 1;
  }
  for (let i = 0; i < s.holders.length; i += 1) {
    const at = indexOfSerial(nets, s.holders[i]!.serial, 0);
    if (at < 0) return `holders[${i}]: holds a namespace that does not exist`;
    refs[at]! += 1;
  }
  for (let i = 0; i < nets.length; i += 1) {
    const net = nets[i]!;
    const expected = refs[i]! + (net.serial === 0 ? 1 : 0);
    if (net.count !== expected) return `${netAt(i)}: count is ${net.count}, expected ${expected} (names and holders)`;
    if (expected === 0) return `${netAt(i)}: no name or process holds it, yet cleanup_net has not removed it`;
  }
  return undefined;
}
