// `ipsim show`: the kernel's data structures — gen, net, lists, ids — as the walkthrough's figures
// on a terminal or a pipe, or as the README's JSON documents with -j (README, `ipsim show …`). The
// figures of gen, net and lists also come as Graphviz dot, Mermaid or SVG (--format).
import type { Machine } from '../lib/machine.js';
import { PROC_DYNAMIC_FIRST } from '../lib/proc_fs.js';
import type { Net } from '../lib/state.js';
import { listsMeasure, renderGen, renderIds, renderLists, renderNet, type GenView, type NetView } from '../ui/figures.js';
import type { Graph } from '../ui/graph.js';
import { Fatal, HelpShown, printJson, type Ctx, type ObjectModule } from './context.js';
import { objectHelp, unknownCommand } from './help.js';
import { parseOptions, type CommandSpec, type OptionSpec } from './options.js';
import { matches } from './utils.js';

export const SHOW_USAGE =
  'Usage: ipsim show { gen [NET] [--all] [FORMAT] | net [NET] [FORMAT] | lists [FORMAT] | ids }\n' +
  'NET := NAME | init_net | net:[INUM] | *\n' +
  'FORMAT := --format { text | dot | mermaid | svg }\n';

const FORMATS = ['text', 'dot', 'mermaid', 'svg'] as const;
type Format = (typeof FORMATS)[number];

type Diagrams = typeof import('../ui/diagrams.js');

/**
 * A figure in the format asked for: the text figure, or the graph as dot, Mermaid or SVG. The
 * diagrams and their writers load only for a format that draws them.
 */
async function printFigure(ctx: Ctx, format: Format, text: () => string | Promise<string>, diagram: (d: Diagrams) => Graph): Promise<void> {
  if (format === 'text') {
    ctx.out.out(await text());
    return;
  }
  const [diagrams, { toDot, toMermaid }] = await Promise.all([import('../ui/diagrams.js'), import('../ui/graph.js')]);
  const graph = (): Graph => diagram(diagrams);
  switch (format) {
    case 'dot':
      ctx.out.out(toDot(graph()));
      return;
    case 'mermaid':
      ctx.out.out(toMermaid(graph()));
      return;
    case 'svg': {
      const [{ renderSvg }, { startSpinner }] = await Promise.all([import('../ui/svg.js'), import('../ui/spinner.js')]);
      // Graphviz's WebAssembly takes a noticeable moment to compile.
      const spinner = await startSpinner(ctx.out, 'rendering SVG with Graphviz');
      let svg: string;
      try {
        svg = await renderSvg(graph());
      } finally {
        spinner.stop();
      }
      ctx.out.out(svg.endsWith('\n') ? svg : `${svg}\n`);
      return;
    }
  }
}

type Sub = 'gen' | 'net' | 'lists' | 'ids' | 'help';
const SUBS: readonly Sub[] = ['gen', 'net', 'lists', 'ids', 'help'];

const FORMAT_OPTION: OptionSpec = { flags: '--format <format>', description: 'text, dot, mermaid or svg', choices: FORMATS };
/** What each show command takes: gen and net a selector; all but ids a --format; gen --all. */
export const SPECS: Readonly<Record<Exclude<Sub, 'help'>, CommandSpec>> = {
  gen: { argument: '[net]', options: [FORMAT_OPTION, { flags: '--all', description: 'every ptr[] slot, NULL ones included' }] },
  net: { argument: '[net]', options: [FORMAT_OPTION] },
  lists: { options: [FORMAT_OPTION] },
  ids: {},
};

/** The namespaces a `show gen|net` selector names; undefined (reported) when it names none. */
function selected(ctx: Ctx, kernel: Machine, selector: string | undefined): Net[] | undefined {
  if (selector === undefined) return [...kernel.state.net_namespace_list];
  const nets = kernel.resolveSelector(selector);
  if (!nets) ctx.out.err(`Cannot open network namespace "${selector}": No such file or directory\n`);
  return nets;
}

function genView(kernel: Machine, net: Net): GenView {
  return {
    net: kernel.netName(net),
    len: net.gen.len,
    slots: net.gen.slots.map((s) => ({ index: s.index, id: s.index + 1, ops: s.ops, size: s.size, state: s.state })),
  };
}

function netView(kernel: Machine, net: Net): NetView {
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

async function show_gen(ctx: Ctx, selector: string | undefined, format: Format, all: boolean): Promise<number> {
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
    const max = kernel.state.max_gen_ptrs;
    await printFigure(ctx, format, () => renderGen(max, ids, views, all), (d) => d.genGraph(max, ids, views, all));
  }
  return 0;
}

async function show_net(ctx: Ctx, selector: string | undefined, format: Format): Promise<number> {
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
    await printFigure(ctx, format, () => views.map(renderNet).join('\n'), (d) => d.netGraph(views));
  }
  return 0;
}

async function show_lists(ctx: Ctx, format: Format): Promise<number> {
  const kernel = await ctx.kernel();
  const nets = kernel.state.net_namespace_list.map((net) => kernel.netName(net));
  const { pernet_list, first_device } = kernel.state;
  if (ctx.opts.json) {
    printJson(ctx, { net_namespace_list: nets, pernet_list: pernet_list.map((ops) => ops.name), first_device });
  } else {
    const text = async (): Promise<string> => renderLists(nets, pernet_list, first_device, await listsMeasure(nets, pernet_list), ctx.out.columns);
    await printFigure(ctx, format, text, (d) => d.listsGraph(nets, pernet_list, first_device));
  }
  return 0;
}

async function show_ids(ctx: Ctx): Promise<number> {
  const kernel = await ctx.kernel();
  const { net_generic_ids, proc_inums } = kernel.idsInUse();
  // `proc reserve N` took the IDA's indices 0..N-1 before net_ns_init; the rest are namespaces'.
  const proc_reserved = proc_inums.filter((inum) => inum < PROC_DYNAMIC_FIRST + kernel.state.proc_reserved);
  if (ctx.opts.json) printJson(ctx, { net_generic_ids, max_gen_ptrs: kernel.state.max_gen_ptrs, proc_inums, proc_reserved });
  else ctx.out.out(renderIds(net_generic_ids, kernel.state.max_gen_ptrs, proc_inums, proc_reserved));
  return 0;
}

const show: ObjectModule = {
  writes: () => false,

  async run(ctx: Ctx, args: string[]): Promise<number> {
    const word = args[0];
    if (word === '--help') {
      ctx.out.out(objectHelp('show'));
      throw new HelpShown();
    }
    // Like ip's objects, no command means the overview: Figure 0.2.
    const sub = word === undefined ? 'lists' : SUBS.find((keyword) => matches(word, keyword));
    if (sub === undefined) return unknownCommand(ctx, 'show', word!, SUBS);
    if (sub === 'help') {
      ctx.out.err(SHOW_USAGE);
      throw new Fatal();
    }
    const { opts, operands } = await parseOptions(ctx, `show ${sub}`, args.slice(1), SPECS[sub]);
    // -j prints the JSON document: a format or --all would be ignored, so they are refused.
    for (const option of ['format', 'all'] as const) {
      if (ctx.opts.json && opts[option] !== undefined) {
        ctx.out.err(`Error: -j and --${option} cannot be combined\n`);
        throw new Fatal();
      }
    }
    const format = (opts.format as Format | undefined) ?? 'text';
    switch (sub) {
      case 'gen':
        return show_gen(ctx, operands[0], format, opts.all === true);
      case 'net':
        return show_net(ctx, operands[0], format);
      case 'lists':
        return show_lists(ctx, format);
      case 'ids':
        return show_ids(ctx);
    }
  },
};

export default show;
