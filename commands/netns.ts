// `ipsim netns` is iproute2 6.1's `ip netns` (ip/ipnetns.c), one function per subcommand, over the
// emulated kernel: /run/netns is the kernel's name list, unshare(CLONE_NEWNET) is copy_net_ns(),
// the bind mount is the name's reference, and nsids are the kernel's per-namespace tables.
import { errnoByName, strerror } from '../lib/errno.js';
import { CLONE_NEWNET, isValidNetnsName, type Kernel } from '../lib/net_namespace.js';
import type { Net } from '../lib/state.js';
import { procNetError } from '../store/procfs.js';
import { Fatal, observerNet, printJson, type Ctx, type ObjectModule } from './context.js';
import type { GlobalOptions } from './ip_options.js';
import { netns_exec, netns_identify, netns_pids, netOfPid } from './netns_exec.js';
import { getInteger, matches } from './utils.js';

const NETNS_RUN_DIR = '/run/netns';

const ENOENT = 2;
const EEXIST = 17;
const ENOTDIR = 20;
const EISDIR = 21;
const ENAMETOOLONG = 36;

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

/**
 * What open(O_CREAT|O_EXCL) of /run/netns/NAME fails with for a name the pre-check did not see
 * (under -all), or 0 (contract §9.4).
 */
function createError(kernel: Kernel, name: string): number {
  if (name === '') return EISDIR;
  if (name === '.' || name === '..') return EEXIST;
  const slash = name.indexOf('/');
  if (slash >= 0) return kernel.netByName(name.slice(0, slash)) ? ENOTDIR : ENOENT;
  if (Buffer.byteLength(name, 'utf8') > 255) return ENAMETOOLONG;
  return kernel.netByName(name) ? EEXIST : 0;
}

/** netns_list(): /run/netns in directory order, with the id the current namespace has for each. */
async function netns_list(ctx: Ctx): Promise<number> {
  const kernel = await ctx.kernel();
  const observer = await observerNet(ctx);
  const entries: { name: string; id?: number }[] = [];
  for (const { name, net } of kernel.readdir()) {
    const id = kernel.peernet2id(observer, net);
    entries.push(id >= 0 ? { name, id } : { name });
  }
  if (ctx.opts.json) printJson(ctx, entries);
  else ctx.out.out(entries.map((e) => (e.id === undefined ? `${e.name}\n` : `${e.name} (id: ${e.id})\n`)).join(''));
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
      ctx.out.err(`Bind /proc/${pid}/ns/net -> ${NETNS_RUN_DIR}/${name} failed: ${strerror(errnoByName(error)?.num ?? 0)}\n`);
      kernel.nameEvent('delete', name);
      return 1;
    }
    const net = netOfPid(kernel, pid);
    kernel.get_net(net);
    kernel.bindName(name, net);
    return 0;
  }
  kernel.nameNextNet(name);
  const net = kernel.copy_net_ns(CLONE_NEWNET, 'init_user_ns', await observerNet(ctx));
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
function on_netns_del(ctx: Ctx, kernel: Kernel, name: string): number {
  const net = kernel.netByName(name);
  if (!net) {
    ctx.out.err(`Cannot remove namespace file "${NETNS_RUN_DIR}/${name}": No such file or directory\n`);
    return 1;
  }
  unbind(kernel, name, net);
  return 0;
}

function unbind(kernel: Kernel, name: string, net: Net): void {
  kernel.alias(net, name);
  kernel.unbindName(name);
  kernel.nameEvent('delete', name);
}

/** netns_foreach(on_netns_del): every name, newest first; one cleanup_net afterwards. */
function deleteAll(kernel: Kernel): void {
  for (const { name, net } of [...kernel.readdir()]) unbind(kernel, name, net);
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
  const peer = kernel.netByName(name);
  if (!peer) {
    ctx.out.err(`Cannot open network namespace "${name}": No such file or directory\n`);
    return 1;
  }
  const result = kernel.rtnl_net_newid(await observerNet(ctx), peer, nsid);
  if (!result.ok) {
    ctx.out.err(`Error: ${result.extack}.\n`);
    return 2;
  }
  return 0;
}

/** The name cache (netns_map_init): the first name in directory order per nsid of the observer. */
function nameByNsid(kernel: Kernel, observer: Net): Map<number, string> {
  const map = new Map<number, string>();
  for (const { name, net } of kernel.readdir()) {
    const id = kernel.peernet2id(observer, net);
    if (id >= 0 && !map.has(id)) map.set(id, name);
  }
  return map;
}

interface IdLine {
  nsid?: number;
  current?: number;
  name?: string;
}

function printIdLines(ctx: Ctx, lines: readonly IdLine[], withCurrent: boolean): void {
  if (ctx.opts.json) {
    printJson(
      ctx,
      lines.map((l) => ({
        ...(l.nsid === undefined ? {} : { nsid: l.nsid }),
        ...(l.current === undefined ? {} : { 'current-nsid': l.current }),
        ...(l.name === undefined ? {} : { name: l.name }),
      })),
    );
    return;
  }
  let text = '';
  for (const l of lines) {
    text += l.nsid === undefined ? 'nsid unassigned ' : `nsid ${l.nsid} `;
    if (withCurrent) text += l.current === undefined ? 'current-nsid unassigned ' : `current-nsid ${l.current} `;
    if (l.name !== undefined) text += `(iproute2 netns name: ${l.name})`;
    text += '\n';
  }
  ctx.out.out(text);
}

/** netns_list_id(): the current namespace's nsids, or a target's, or one of them. */
async function netns_list_id(ctx: Ctx, args: string[]): Promise<number> {
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
  const kernel = await ctx.kernel();
  const observer = await observerNet(ctx);
  const names = nameByNsid(kernel, observer);
  const targetNet = target >= 0 ? kernel.peerById(observer, target) : undefined;

  if (nsid >= 0) {
    // RTM_GETNSID for one peer: its id in the target (or here) and, with a target, here.
    const peer = kernel.peerById(observer, nsid);
    if (target >= 0 && !targetNet) {
      ctx.out.err('Error: Target netns reference is invalid.\n');
      return 2;
    }
    if (!peer) {
      ctx.out.err('Error: Peer netns reference is invalid.\n');
      return 2;
    }
    if (!targetNet) {
      printIdLines(ctx, [{ nsid, name: names.get(nsid) }], false);
      return 0;
    }
    const inTarget = kernel.peernet2id(targetNet, peer);
    printIdLines(ctx, [{ nsid: inTarget >= 0 ? inTarget : undefined, current: nsid, name: names.get(nsid) }], true);
    return 0;
  }

  if (target >= 0 && !targetNet) {
    if (ctx.opts.json) printJson(ctx, []);
    ctx.out.err('Error: Invalid target network namespace id.\nDump terminated\n');
    return 1;
  }
  const table = targetNet ?? observer;
  const lines: IdLine[] = [];
  for (const entry of table.nsids) {
    if (!targetNet) {
      lines.push({ nsid: entry.nsid, name: names.get(entry.nsid) });
      continue;
    }
    const peer = kernel.netBySerialNo(entry.peer)!;
    const current = kernel.peernet2id(observer, peer);
    // iproute2 looks the name up by current-nsid, and by the target's id when that is unassigned.
    const name = names.get(current >= 0 ? current : entry.nsid);
    lines.push({ nsid: entry.nsid, current: current >= 0 ? current : undefined, name });
  }
  printIdLines(ctx, lines, targetNet !== undefined);
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
