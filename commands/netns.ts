// `ipsim netns` is iproute2 6.1's `ip netns` (ip/ipnetns.c), one function per subcommand, over the
// emulated kernel: /run/netns is the kernel's name list, unshare(CLONE_NEWNET) is copy_net_ns(),
// the bind mount is the name's reference, and nsids are the kernel's per-namespace tables.
import { strerror, strerrorOfCode } from '../lib/errno.js';
import type { Machine } from '../lib/machine.js';
import { CLONE_NEWNET } from '../lib/net_namespace.js';
import { createError, isValidNetnsName, openNetnsFile } from '../lib/run_netns.js';
import type { Net } from '../lib/state.js';
import { procNetError } from '../store/procfs.js';
import type { JsonValue } from '../ui/json_writer.js';
import { Fatal, observerIn, printJson, type Ctx, type ObjectModule } from './context.js';
import type { GlobalOptions } from './ip_options.js';
import { netns_exec, netns_identify, netns_pids, netOfPid } from './netns_exec.js';
import { getInteger, matches } from './utils.js';

const NETNS_RUN_DIR = '/run/netns';

export const NETNS_USAGE =
  'Usage:\tip netns list\n' +
  '\tip netns add NAME\n' +
  '\tip netns attach NAME PID\n' +
  '\tip netns set NAME NETNSID\n' +
  '\tip [-all] netns delete [NAME]\n' +
  '\tip netns identify [PID]\n' +
  '\tip netns pids NAME\n' +
  '\tip [-all] netns exec [NAME] cmd ...\n' +
  '\tip netns monitor\n' +
  '\tip netns list-id [target-nsid POSITIVE-INT] [nsid POSITIVE-INT]\n' +
  'NETNSID := auto | POSITIVE-INT\n';

type Subcommand = 'list' | 'list-id' | 'help' | 'add' | 'set' | 'delete' | 'identify' | 'pids' | 'exec' | 'monitor' | 'attach';

/** do_netns()'s matches() chain, in its order: `s` is list, `a` add, `list-` list-id. */
const SUBCOMMANDS: readonly (readonly [string, Subcommand])[] = [
  ['list', 'list'],
  ['show', 'list'],
  ['lst', 'list'],
  ['list-id', 'list-id'],
  ['help', 'help'],
  ['add', 'add'],
  ['set', 'set'],
  ['delete', 'delete'],
  ['identify', 'identify'],
  ['pids', 'pids'],
  ['exec', 'exec'],
  ['monitor', 'monitor'],
  ['attach', 'attach'],
];

function subcommand(word: string): Subcommand | undefined {
  return SUBCOMMANDS.find(([keyword]) => matches(word, keyword))?.[1];
}

const WRITERS: ReadonlySet<Subcommand> = new Set(['add', 'set', 'delete', 'exec', 'attach']);

function usage(ctx: Ctx): never {
  ctx.out.err(NETNS_USAGE);
  throw new Fatal();
}

/** invarg(): `Error: argument "ARG" is wrong: MSG`, exit(-1). */
function invarg(ctx: Ctx, msg: string, arg: string | undefined): never {
  ctx.out.err(`Error: argument "${arg ?? '(null)'}" is wrong: ${msg}\n`);
  throw new Fatal();
}

/** netns_list(): /run/netns in directory order, with the id the current namespace has for each. */
async function netns_list(ctx: Ctx): Promise<number> {
  const kernel = await ctx.kernel();
  const observer = observerIn(ctx, kernel);
  netns_map_init(ctx, kernel, observer);
  // peernet2id() finds nothing in an empty nsid table: then the names alone are listed, and no
  // namespace is looked up (10,000 names make no struct net).
  if (observer.nsids.length === 0) {
    const names = kernel.readdirNames();
    if (ctx.opts.json) printJson(ctx, names.map((name): JsonValue => ({ name })));
    else if (names.length > 0) ctx.out.out(`${names.join('\n')}\n`);
    return 0;
  }
  const dir = kernel.readdir();
  if (ctx.opts.json) {
    const entries: JsonValue[] = [];
    for (const { name, net } of dir) {
      const id = kernel.peernet2id(observer, net);
      entries.push(id >= 0 ? { name, id } : { name });
    }
    printJson(ctx, entries);
    return 0;
  }
  let text = '';
  for (const { name, net } of dir) {
    const id = kernel.peernet2id(observer, net);
    text += id >= 0 ? `${name} (id: ${id})\n` : `${name}\n`;
  }
  ctx.out.out(text);
  return 0;
}

/**
 * netns_add(): create the name file, then unshare(CLONE_NEWNET) and bind the new namespace to it;
 * for attach (create false) bind the namespace of an existing process instead.
 */
async function netns_add(ctx: Ctx, args: string[], create: boolean): Promise<number> {
  let pid = 0;
  if (create) {
    if (args.length < 1) {
      ctx.out.err('No netns name specified\n');
      return 1;
    }
  } else {
    if (args.length < 2) {
      ctx.out.err('No netns name and PID specified\n');
      return 1;
    }
    const parsed = getInteger(args[1]!);
    if (parsed === undefined || parsed === 0) {
      ctx.out.err(`Invalid PID: ${args[1]}\n`);
      return 1;
    }
    pid = parsed;
  }
  const name = args[0]!;
  const kernel = await ctx.kernel();
  const err = createError(kernel, name);
  if (err) {
    ctx.out.err(`Cannot create namespace file "${NETNS_RUN_DIR}/${name}": ${strerror(err)}\n`);
    return 1;
  }
  kernel.nameEvent('add', name);
  if (!create) {
    const error = procNetError(String(pid));
    if (error) {
      ctx.out.err(`Bind /proc/${pid}/ns/net -> ${NETNS_RUN_DIR}/${name} failed: ${strerrorOfCode(error)}\n`);
      kernel.nameEvent('delete', name);
      return 1;
    }
    const net = netOfPid(kernel, pid);
    kernel.get_net(net);
    kernel.bindName(name, net);
    return 0;
  }
  kernel.nameNextNet(name);
  const net = kernel.copy_net_ns(CLONE_NEWNET, 'init_user_ns', observerIn(ctx, kernel));
  if (typeof net === 'number') {
    ctx.out.err(`Failed to create a new network namespace "${name}": ${strerror(-net)}\n`);
    // ip removes its file with netns_delete(), which under -all removes every name after it.
    kernel.nameEvent('delete', name);
    if (ctx.opts.all) deleteAll(kernel);
    return 1;
  }
  // setup_net's reference now belongs to the bind mount.
  kernel.bindName(name, net);
  return 0;
}

/** on_netns_del(): umount (the name's reference goes) and unlink. */
function on_netns_del(ctx: Ctx, kernel: Machine, name: string): number {
  const net = kernel.netByName(name);
  if (!net) {
    ctx.out.err(`Cannot remove namespace file "${NETNS_RUN_DIR}/${name}": No such file or directory\n`);
    return 1;
  }
  unbind(kernel, name, net);
  return 0;
}

function unbind(kernel: Machine, name: string, net: Net): void {
  kernel.alias(net, name);
  kernel.unbindName(name);
  kernel.nameEvent('delete', name);
}

/** netns_foreach(on_netns_del): every name, newest first; one cleanup_net afterwards. */
function deleteAll(kernel: Machine): void {
  for (const { name, net } of kernel.readdir()) unbind(kernel, name, net);
}

/** netns_delete(): one name, or with -all every name, and then always success. */
async function netns_delete(ctx: Ctx, args: string[]): Promise<number> {
  if (args.length < 1 && !ctx.opts.all) {
    ctx.out.err('No netns name specified\n');
    return 1;
  }
  const kernel = await ctx.kernel();
  if (ctx.opts.all) {
    deleteAll(kernel);
    return 0;
  }
  return on_netns_del(ctx, kernel, args[0]!);
}

/** netns_set(): argument count, nsid syntax, the name, then the kernel's verdict. */
async function netns_set(ctx: Ctx, args: string[]): Promise<number> {
  if (args.length < 1) {
    ctx.out.err('No netns name specified\n');
    return 1;
  }
  if (args.length < 2) {
    ctx.out.err('No nsid specified\n');
    return 1;
  }
  const [name, value] = [args[0]!, args[1]!];
  let nsid = -1;
  if (value !== 'auto') {
    const parsed = getInteger(value);
    if (parsed === undefined) invarg(ctx, 'Invalid "netnsid" value', value);
    if (parsed < 0) invarg(ctx, '"netnsid" value should be >= 0', value);
    nsid = parsed;
  }
  const kernel = await ctx.kernel();
  const opened = openNetnsFile(kernel, name);
  if (opened.kind === 'error') {
    ctx.out.err(`Cannot open network namespace "${name}": ${strerror(opened.errno)}\n`);
    return 1;
  }
  if (opened.kind === 'dir') {
    // The fd is not a namespace: the kernel's rtnl_net_newid() rejects it.
    ctx.out.err('Error: Peer netns reference is invalid.\n');
    return 2;
  }
  const result = kernel.rtnl_net_newid(observerIn(ctx, kernel), opened.net, nsid);
  if (!result.ok) {
    ctx.out.err(`Error: ${result.extack}.\n`);
    return 2;
  }
  return 0;
}

/**
 * netns_map_init(): the name cache, built once per process (so once per batch) at the first
 * list or list-id: the first name in directory order for each nsid the current namespace has.
 */
function netns_map_init(ctx: Ctx, kernel: Machine, observer: Net): Map<number, string> {
  if (ctx.session.netnsMap) return ctx.session.netnsMap;
  const map = new Map<number, string>();
  // With no nsids there is nothing to map: the walk over every name is skipped.
  if (observer.nsids.length > 0) {
    for (const { name, net } of kernel.readdir()) {
      const id = kernel.peernet2id(observer, net);
      if (id >= 0 && !map.has(id)) map.set(id, name);
    }
  }
  ctx.session.netnsMap = map;
  return map;
}

/** netns_get_name(): the first name in directory order that the current namespace knows as nsid. */
function netns_get_name(kernel: Machine, observer: Net, nsid: number): string | undefined {
  if (nsid < 0) return undefined;
  for (const { name, net } of kernel.readdir()) if (kernel.peernet2id(observer, net) === nsid) return name;
  return undefined;
}

/** One RTM_NEWNSID message: nsid (-1 unassigned) and, when the kernel sent it, current-nsid. */
interface NsidMsg {
  nsid: number;
  current?: number;
}

/**
 * print_nsid(): the name comes from the cache by current-nsid (or nsid), and is then removed from
 * it; on a miss ip asks again by nsid and caches that. Hence the quirks: a wrong name when
 * current-nsid is unassigned, and names missing from later lines of a batch.
 */
function print_nsid(ctx: Ctx, kernel: Machine, observer: Net, map: Map<number, string>, msg: NsidMsg): { text: string; json: JsonValue } {
  let text = msg.nsid < 0 ? 'nsid unassigned ' : `nsid ${msg.nsid} `;
  const json: Record<string, JsonValue> = {};
  if (msg.nsid >= 0) json.nsid = msg.nsid;
  if (msg.current !== undefined) {
    if (msg.current < 0) text += 'current-nsid unassigned ';
    else {
      text += `current-nsid ${msg.current} `;
      json['current-nsid'] = msg.current;
    }
  }
  const key = msg.current !== undefined ? msg.current : msg.nsid;
  let name = key >= 0 ? map.get(key) : undefined;
  if (name !== undefined) map.delete(key);
  else {
    name = netns_get_name(kernel, observer, msg.nsid);
    if (name !== undefined && !map.has(msg.nsid)) map.set(msg.nsid, name);
  }
  if (name !== undefined) {
    text += `(iproute2 netns name: ${name})`;
    json.name = name;
  }
  return { text: `${text}\n`, json };
}

function printNsids(ctx: Ctx, kernel: Machine, observer: Net, map: Map<number, string>, msgs: readonly NsidMsg[]): void {
  const lines = msgs.map((msg) => print_nsid(ctx, kernel, observer, map, msg));
  if (ctx.opts.json) printJson(ctx, lines.map((l) => l.json));
  else ctx.out.out(lines.map((l) => l.text).join(''));
}

/**
 * netns_list_id(): the current namespace's nsids, or a target's, or one of them. do_netns() builds
 * the name cache before calling it, so a line that fails still fixes the names later lines print.
 */
async function netns_list_id(ctx: Ctx, args: string[]): Promise<number> {
  const kernel = await ctx.kernel();
  const observer = observerIn(ctx, kernel);
  const map = netns_map_init(ctx, kernel, observer);
  let target = -1;
  let nsid = -1;
  for (let i = 0; i < args.length; i += 1) {
    const key = args[i]!;
    if (key !== 'target-nsid' && key !== 'nsid') usage(ctx);
    if ((key === 'nsid' ? nsid : target) >= 0) {
      ctx.out.err(`Error: duplicate "${key}": "${key}" is the second value.\n`);
      throw new Fatal();
    }
    i += 1;
    if (i >= args.length) {
      ctx.out.err('Command line is not complete. Try option "help"\n');
      throw new Fatal();
    }
    const value = getInteger(args[i]!);
    if (value === undefined) invarg(ctx, `"${key}" value is invalid`, args[i]);
    // iproute2 names the word after the value here (argv[1]), or (null).
    if (value < 0) invarg(ctx, `"${key}" value should be >= 0`, args[i + 1]);
    if (key === 'nsid') nsid = value;
    else target = value;
  }

  if (nsid >= 0) {
    // RTM_GETNSID (rtnl_net_getid): the peer first, then the target.
    const peer = kernel.peerById(observer, nsid);
    if (!peer) {
      ctx.out.err('Error: Peer netns reference is invalid.\n');
      return 2;
    }
    if (target < 0) {
      printNsids(ctx, kernel, observer, map, [{ nsid }]);
      return 0;
    }
    const targetNet = kernel.peerById(observer, target);
    if (!targetNet) {
      ctx.out.err('Error: Target netns reference is invalid.\n');
      return 2;
    }
    printNsids(ctx, kernel, observer, map, [{ nsid: kernel.peernet2id(targetNet, peer), current: nsid }]);
    return 0;
  }

  // The dump. A batch never asks for strict dump checking, so the kernel ignores the target there.
  const strict = ctx.opts.batch === undefined;
  const targetNet = strict && target >= 0 ? kernel.peerById(observer, target) : undefined;
  if (strict && target >= 0 && !targetNet) {
    if (ctx.opts.json) printJson(ctx, []);
    ctx.out.err('Error: Invalid target network namespace id.\nDump terminated\n');
    return 1;
  }
  const msgs = (targetNet ?? observer).nsids.map((entry): NsidMsg => {
    if (!targetNet) return { nsid: entry.nsid };
    return { nsid: entry.nsid, current: kernel.peernet2id(observer, kernel.netBySerialNo(entry.peer)!) };
  });
  printNsids(ctx, kernel, observer, map, msgs);
  return 0;
}

const netns: ObjectModule = {
  writes(args: readonly string[], _opts: GlobalOptions): boolean {
    const sub = args.length === 0 ? 'list' : subcommand(args[0]!);
    return sub !== undefined && WRITERS.has(sub);
  },

  /** do_netns(): no arguments is list; the second word must be a valid name unless -all. */
  async run(ctx: Ctx, args: string[]): Promise<number> {
    if (args.length === 0) return netns_list(ctx);
    if (!ctx.opts.all && args.length > 1 && !isValidNetnsName(args[1]!)) {
      ctx.out.err(`Invalid netns name "${args[1]}"\n`);
      throw new Fatal();
    }
    const word = args[0]!;
    const rest = args.slice(1);
    switch (subcommand(word)) {
      case 'list':
        return netns_list(ctx);
      case 'list-id':
        return netns_list_id(ctx, rest);
      case 'help':
        return usage(ctx);
      case 'add':
        return netns_add(ctx, rest, true);
      case 'set':
        return netns_set(ctx, rest);
      case 'delete':
        return netns_delete(ctx, rest);
      case 'identify':
        return netns_identify(ctx, rest);
      case 'pids':
        return netns_pids(ctx, rest);
      case 'exec':
        return netns_exec(ctx, rest);
      case 'monitor':
        return (await import('./netns_monitor.js')).netns_monitor(ctx);
      case 'attach':
        return netns_add(ctx, rest, false);
      case undefined:
        ctx.out.err(`Command "${word}" is unknown, try "ip netns help".\n`);
        throw new Fatal();
    }
  },
};

export default netns;
