// The state file's format: one versioned JSON document holding the emulated kernel. Loading checks
// its shape (valibot) and then the kernel's own invariants, so a hand-edited or foreign file is
// reported instead of being run into a corrupt kernel.
import * as v from 'valibot';
import { INITIAL_NET_GEN_PTRS } from '../lib/generic.js';
import { isValidNetnsName } from '../lib/net_namespace.js';
import { PROC_DYNAMIC_FIRST } from '../lib/proc_fs.js';
import type { KernelState } from '../lib/state.js';

export const STATE_FORMAT = 'ipsim-state';
export const STATE_VERSION = 1;

const count = v.pipe(v.number(), v.safeInteger(), v.minValue(0));
const identifier = v.pipe(v.string(), v.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a C identifier'));
const callback = v.nullable(identifier);
const selector = v.pipe(
  v.string(),
  v.check((s) => s === '*' || isValidNetnsName(s), 'invalid namespace selector'),
);

const opsSchema = v.strictObject({
  name: identifier,
  kind: v.picklist(['subsys', 'device']),
  id: v.nullable(v.pipe(count, v.minValue(1))),
  size: count,
  init: callback,
  exit: callback,
  exit_batch: callback,
  fail_init: v.array(v.strictObject({ net: selector, errno: v.pipe(count, v.minValue(1), v.maxValue(4095)) })),
  fail_alloc: v.array(selector),
});

const netSchema = v.strictObject({
  serial: count,
  proc_inum: v.nullable(v.pipe(count, v.minValue(PROC_DYNAMIC_FIRST), v.maxValue(0xffffffff))),
  count,
  passive: count,
  dev_base_seq: count,
  user_ns: v.literal('init_user_ns'),
  loopback_dev: v.nullable(v.literal('lo')),
  gen: v.strictObject({
    len: count,
    slots: v.array(
      v.strictObject({ index: count, ops: identifier, size: v.pipe(count, v.minValue(1)), state: v.picklist(['data', 'stale']) }),
    ),
  }),
  nsids: v.array(v.strictObject({ nsid: v.pipe(count, v.maxValue(0x7fffffff)), peer: count })),
});

const kernelSchema = v.strictObject({
  boot_id: v.pipe(v.string(), v.minLength(1)),
  next_serial: v.pipe(count, v.minValue(1)),
  initialized: v.boolean(),
  max_gen_ptrs: v.pipe(count, v.minValue(INITIAL_NET_GEN_PTRS)),
  proc_reserved: count,
  first_device: v.nullable(identifier),
  pernet_list: v.array(opsSchema),
  net_namespace_list: v.array(netSchema),
  names: v.array(v.strictObject({ name: v.pipe(v.string(), v.check(isValidNetnsName, 'invalid netns name')), serial: count })),
  holders: v.array(
    v.strictObject({
      wrapper_pid: v.pipe(count, v.minValue(1)),
      wrapper_start: v.string(),
      // 0 while CMD is being started (the wrapper's liveness stands for it).
      cmd_pid: count,
      cmd_start: v.string(),
      boot_id: v.string(),
      serial: count,
    }),
  ),
});

const documentSchema = v.strictObject({
  format: v.literal(STATE_FORMAT),
  version: v.literal(STATE_VERSION),
  kernel: kernelSchema,
});

export class SnapshotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotError';
  }
}

export function encodeSnapshot(state: KernelState): string {
  return `${JSON.stringify({ format: STATE_FORMAT, version: STATE_VERSION, kernel: state })}\n`;
}

/** Parses and checks a state file's text; throws SnapshotError saying what is wrong. */
export function decodeSnapshot(text: string): KernelState {
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
  const parsed = v.safeParse(documentSchema, doc);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = v.getDotPath(issue);
    throw new SnapshotError(path ? `${path}: ${issue.message}` : issue.message);
  }
  const state = parsed.output.kernel as KernelState;
  const problem = inconsistency(state);
  if (problem) throw new SnapshotError(`inconsistent: ${problem}`);
  return state;
}

/** The invariants every command keeps; the first one broken, or undefined. */
export function inconsistency(s: KernelState): string | undefined {
  const nets = s.net_namespace_list;
  const serials = new Set<number>();
  const inums = new Set<number>();
  for (const [i, net] of nets.entries()) {
    const at = `net_namespace_list[${i}]`;
    if (serials.has(net.serial)) return `${at}: serial ${net.serial} appears twice`;
    serials.add(net.serial);
    if (net.serial >= s.next_serial) return `${at}: serial ${net.serial} is not below next_serial ${s.next_serial}`;
    if ((net.serial === 0) !== (i === 0)) return `${at}: init_net (serial 0) must be first`;
    if (net.proc_inum !== null) {
      if (inums.has(net.proc_inum)) return `${at}: proc_inum ${net.proc_inum} appears twice`;
      if (net.proc_inum - PROC_DYNAMIC_FIRST < s.proc_reserved) return `${at}: proc_inum ${net.proc_inum} is a reserved index`;
      inums.add(net.proc_inum);
    }
    if (net.passive !== 1) return `${at}: passive is ${net.passive}, expected 1`;
    if (net.gen.len > s.max_gen_ptrs) return `${at}: gen.len ${net.gen.len} exceeds max_gen_ptrs ${s.max_gen_ptrs}`;
    let last = -1;
    for (const slot of net.gen.slots) {
      if (slot.index <= last || slot.index >= net.gen.len) return `${at}: gen slot ${slot.index} out of order or beyond len ${net.gen.len}`;
      last = slot.index;
    }
    let lastNsid = -1;
    for (const entry of net.nsids) {
      if (entry.nsid <= lastNsid) return `${at}: nsids not strictly ascending`;
      lastNsid = entry.nsid;
    }
  }
  if (s.initialized !== (nets.length > 0)) return `initialized is ${s.initialized} but net_namespace_list has ${nets.length} namespaces`;
  for (const [i, net] of nets.entries()) {
    const peers = new Set<number>();
    for (const entry of net.nsids) {
      if (!serials.has(entry.peer)) return `net_namespace_list[${i}]: nsid ${entry.nsid} names a namespace that does not exist`;
      if (peers.has(entry.peer)) return `net_namespace_list[${i}]: two nsids for one peer`;
      peers.add(entry.peer);
    }
  }

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
  }
  if (s.first_device !== firstDeviceSeen) return `first_device is ${s.first_device ?? 'the list head'}, expected ${firstDeviceSeen ?? 'the list head'}`;

  const refs = new Map<number, number>();
  const names = new Set<string>();
  for (const [i, entry] of s.names.entries()) {
    if (names.has(entry.name)) return `names[${i}]: "${entry.name}" appears twice`;
    names.add(entry.name);
    if (!serials.has(entry.serial)) return `names[${i}]: "${entry.name}" is bound to a namespace that does not exist`;
    refs.set(entry.serial, (refs.get(entry.serial) ?? 0) + 1);
  }
  for (const [i, holder] of s.holders.entries()) {
    if (!serials.has(holder.serial)) return `holders[${i}]: holds a namespace that does not exist`;
    refs.set(holder.serial, (refs.get(holder.serial) ?? 0) + 1);
  }
  for (const [i, net] of nets.entries()) {
    const expected = (refs.get(net.serial) ?? 0) + (net.serial === 0 ? 1 : 0);
    if (net.count !== expected) return `net_namespace_list[${i}]: count is ${net.count}, expected ${expected} (names and holders)`;
    if (expected === 0) return `net_namespace_list[${i}]: no name or process holds it, yet cleanup_net has not removed it`;
  }
  return undefined;
}
