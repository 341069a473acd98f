// `ipsim show`: the kernel's data structures (contract §4, §9.10) — gen, net, lists, ids — as the
// walkthrough's figures on a terminal or a pipe, or as the contract's JSON documents with -j.
import type { Kernel } from '../lib/net_namespace.js';
import type { Net } from '../lib/state.js';
import { renderGen, renderIds, renderLists, renderNet, type GenView, type NetView } from '../ui/figures.js';
import { Fatal, printJson, type Ctx, type ObjectModule } from './context.js';
import { parseOperands } from './options.js';
import { matches } from './utils.js';

export const SHOW_USAGE = 'Usage: ipsim show { gen [NET] | net [NET] | lists | ids }\nNET := NAME | init_net | net:[INUM] | *\n';

type Sub = 'gen' | 'net' | 'lists' | 'ids' | 'help';
const SUBS: readonly Sub[] = ['gen', 'net', 'lists', 'ids', 'help'];

/** The namespaces a `show gen|net` selector names; undefined (reported) when it names none. */
function selected(ctx: Ctx, kernel: Kernel, selector: string | undefined): Net[] | undefined {
  if (selector === undefined) return [...kernel.state.net_namespace_list];
  const nets = kernel.resolveSelector(selector);
  if (!nets) ctx.out.err(`Cannot open network namespace "${selector}": No such file or directory\n`);
  return nets;
}

function genView(kernel: Kernel, net: Net): GenView {
  return {
    net: kernel.netName(net),
    len: net.gen.len,
    slots: net.gen.slots.map((s) => ({ index: s.index, id: s.index + 1, ops: s.ops, size: s.size, state: s.state })),
  };
}

function netView(kernel: Kernel, net: Net): NetView {
  return {
    net: kernel.netName(net),
    names: kernel.namesOf(net),
    count: net.count,
    passive: net.passive,
    dev_base_seq: net.dev_base_seq,
    proc_inum: net.proc_inum,
    loopback_dev: net.loopback_dev,
    gen_len: net.gen.len,
    slots: genView(kernel, net).slots,
    nsids: net.nsids.map((e) => ({ nsid: e.nsid, net: kernel.netName(kernel.netBySerialNo(e.peer)!) })),
  };
}

async function show_gen(ctx: Ctx, selector: string | undefined): Promise<number> {
  const kernel = await ctx.kernel();
  const nets = selected(ctx, kernel, selector);
  if (!nets) return 1;
  const views = nets.map((net) => genView(kernel, net));
  const ids = kernel.state.pernet_list
    .flatMap((ops) => (ops.id === null ? [] : [{ id: ops.id, ops: ops.name }]))
    .sort((a, b) => a.id - b.id);
  if (ctx.opts.json) {
    printJson(ctx, {
      max_gen_ptrs: kernel.state.max_gen_ptrs,
      ids,
      nets: views.map((v) => ({ net: v.net, len: v.len, slots: v.slots.map((s) => ({ ...s })) })),
    });
  } else {
    ctx.out.out(renderGen(kernel.state.max_gen_ptrs, ids, views));
  }
  return 0;
}

async function show_net(ctx: Ctx, selector: string | undefined): Promise<number> {
  const kernel = await ctx.kernel();
  const nets = selected(ctx, kernel, selector);
  if (!nets) return 1;
  const views = nets.map((net) => netView(kernel, net));
  if (ctx.opts.json) {
    const docs = views.map((v) => ({
      net: v.net,
      names: [...v.names],
      count: v.count,
      passive: v.passive,
      dev_base_seq: v.dev_base_seq,
      proc_inum: v.proc_inum,
      user_ns: 'init_user_ns',
      loopback_dev: v.loopback_dev,
      gen_len: v.gen_len,
      nsids: v.nsids.map((n) => ({ ...n })),
    }));
    printJson(ctx, selector === undefined || selector === '*' ? docs : docs[0]!);
  } else {
    ctx.out.out(views.map(renderNet).join('\n'));
  }
  return 0;
}

async function show_lists(ctx: Ctx): Promise<number> {
  const kernel = await ctx.kernel();
  const nets = kernel.state.net_namespace_list.map((net) => kernel.netName(net));
  const { pernet_list, first_device } = kernel.state;
  if (ctx.opts.json) {
    printJson(ctx, { net_namespace_list: nets, pernet_list: pernet_list.map((ops) => ops.name), first_device });
  } else {
    ctx.out.out(renderLists(nets, pernet_list, first_device));
  }
  return 0;
}

async function show_ids(ctx: Ctx): Promise<number> {
  const kernel = await ctx.kernel();
  const { net_generic_ids, proc_inums } = kernel.idsInUse();
  if (ctx.opts.json) printJson(ctx, { net_generic_ids, max_gen_ptrs: kernel.state.max_gen_ptrs, proc_inums });
  else ctx.out.out(renderIds(net_generic_ids, kernel.state.max_gen_ptrs, proc_inums));
  return 0;
}

const show: ObjectModule = {
  writes: () => false,

  async run(ctx: Ctx, args: string[]): Promise<number> {
    const word = args[0];
    // Like ip's objects, no command means the overview: Figure 0.2.
    const sub = word === undefined ? 'lists' : SUBS.find((keyword) => matches(word, keyword));
    if (sub === undefined) {
      ctx.out.err(`Command "${word}" is unknown, try "ipsim show help".\n`);
      throw new Fatal();
    }
    if (sub === 'help') {
      ctx.out.err(SHOW_USAGE);
      throw new Fatal();
    }
    const takesNet = sub === 'gen' || sub === 'net';
    const operands = await parseOperands(ctx, sub, args.slice(1), takesNet ? '[net]' : undefined);
    switch (sub) {
      case 'gen':
        return show_gen(ctx, operands[0]);
      case 'net':
        return show_net(ctx, operands[0]);
      case 'lists':
        return show_lists(ctx);
      case 'ids':
        return show_ids(ctx);
    }
  },
};

export default show;
