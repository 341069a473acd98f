// The walkthrough's figures as graphs (ui/graph.ts), for `show … --format dot|mermaid|svg`: the
// same structures as the text figures of ui/figures.ts, drawn as boxes and pointers.
import { netHeader, nullCount, type GenView, type NetView, type OpsBox, type SlotView } from './figures.js';
import type { Box, Cluster, Edge, Graph, Row } from './graph.js';

/** Figure 0.2: net_namespace_list and pernet_list, each a chain from its head; first_device points into pernet_list. */
export function listsGraph(nets: readonly string[], ops: readonly OpsBox[], firstDevice: string | null): Graph {
  const edges: Edge[] = [];
  const chain = (head: string, ids: readonly string[]): void => {
    // The kernel's lists are circular; the figure, like the walkthrough's, draws head → first → … → last.
    [head, ...ids].forEach((id, i, all) => {
      if (i > 0) edges.push({ from: all[i - 1]!, to: id });
    });
  };
  const netBoxes: Box[] = [
    { id: 'NetList', plain: true, rows: [{ text: 'net_namespace_list' }] },
    ...nets.map((name, i) => ({ id: `Net${i}`, rows: [{ text: 'net', title: true }, { text: name }] })),
  ];
  chain(
    'NetList',
    nets.map((_, i) => `Net${i}`),
  );
  const opsId = (name: string): string => `Ops${ops.findIndex((o) => o.name === name)}`;
  const opsBoxes: Box[] = [
    { id: 'PernetList', plain: true, rows: [{ text: 'pernet_list' }] },
    ...ops.map((o, i) => {
      const rows: Row[] = [{ text: o.name, title: true }];
      if (o.init !== null) rows.push({ text: `.init = ${o.init}` });
      if (o.exit !== null) rows.push({ text: `.exit = ${o.exit}` });
      if (o.exit_batch !== null) rows.push({ text: `.exit_batch = ${o.exit_batch}` });
      if (o.id !== null) rows.push({ text: `*.id = ${o.id}, .size = ${o.size}` });
      return { id: `Ops${i}`, rows };
    }),
    { id: 'FirstDevice', plain: true, rows: [{ text: 'first_device' }] },
  ];
  chain(
    'PernetList',
    ops.map((_, i) => `Ops${i}`),
  );
  // first_device = &ops->list of the first device, or &pernet_list when none is registered.
  edges.push({ from: 'FirstDevice', to: firstDevice === null ? 'PernetList' : opsId(firstDevice) });
  return {
    title: 'ipsim show lists: net_namespace_list and pernet_list (the walkthrough\'s Figure 0.2)',
    clusters: [
      { id: 'Nets', label: 'net_namespace_list, a list of network namespace', boxes: netBoxes },
      { id: 'Pernet', label: 'pernet_list, a list of pernet_operations', boxes: opsBoxes },
    ],
    separate: true,
    boxes: [],
    edges,
  };
}

/** Whatever ptr[slot.index] points at: the ops' kzalloc'd data, or the freed block a stale slot still names. */
function dataBox(id: string, slot: SlotView): Box {
  return slot.state === 'data'
    ? { id, rows: [{ text: `${slot.ops} data`, title: true }, { text: `${slot.size} bytes` }] }
    : { id, rows: [{ text: `${slot.ops} data (freed)`, title: true }, { text: `${slot.size} bytes, kfree'd`, note: true }] };
}

/** A struct net_generic with a row per listed slot (all of them with `all`), and the blocks they point at. */
function genBoxes(prefix: string, len: number, slots: readonly SlotView[], all: boolean): { gen: Box; data: Box[]; edges: Edge[] } {
  const rows: Row[] = [{ text: 'struct net_generic', title: true }, { text: `len ${len}` }];
  const data: Box[] = [];
  const edges: Edge[] = [];
  for (let index = 0; index < len; index += 1) {
    const slot = slots.find((s) => s.index === index);
    if (slot === undefined) {
      if (all) rows.push({ text: `ptr[${index}] NULL` });
      continue;
    }
    rows.push({ text: `ptr[${index}] ${slot.ops}`, port: `p${index}` });
    const id = `${prefix}Data${index}`;
    data.push(dataBox(id, slot));
    edges.push(slot.state === 'data' ? { from: `${prefix}Gen`, port: `p${index}`, to: id } : { from: `${prefix}Gen`, port: `p${index}`, to: id, label: 'stale', dashed: true });
  }
  if (!all) rows.push({ text: `${nullCount(len, slots)} NULL` });
  return { gen: { id: `${prefix}Gen`, rows }, data, edges };
}

/** Figure 0.1 for each namespace: struct net, its net_generic and the data it points at, and init_user_ns (one, shared). */
export function netGraph(views: readonly NetView[]): Graph {
  const clusters: Cluster[] = [];
  const edges: Edge[] = [];
  views.forEach((view, k) => {
    const prefix = `N${k}`;
    const net: Box = {
      id: `${prefix}Net`,
      rows: [
        { text: 'struct net', title: true },
        { text: `count ${view.count}` },
        { text: `passive ${view.passive}` },
        { text: `dev_base_seq ${view.dev_base_seq}` },
        { text: `proc_inum ${view.proc_inum ?? '(none)'}` },
        { text: 'gen (struct net_generic *)', port: 'gen' },
        { text: 'user_ns (struct user_namespace *)', port: 'user_ns' },
        { text: `loopback_dev ${view.loopback_dev ?? 'NULL'}` },
        { text: `names: ${view.names.length === 0 ? '(none)' : view.names.join(' ')}`, note: true },
        { text: `nsids: ${view.nsids.length === 0 ? '(none)' : view.nsids.map((n) => `${n.nsid}=${n.net}`).join(' ')}`, note: true },
      ],
    };
    const gen = genBoxes(prefix, view.gen_len, view.slots, false);
    edges.push({ from: net.id, port: 'gen', to: gen.gen.id }, { from: net.id, port: 'user_ns', to: 'UserNs' }, ...gen.edges);
    clusters.push({ id: `${prefix}Cluster`, label: netHeader(view), boxes: [net, gen.gen, ...gen.data] });
  });
  const userNs: Box = {
    id: 'UserNs',
    rows: [
      { text: 'init_user_ns', title: true },
      { text: 'uid_map 0 0 4294967295' },
      { text: 'gid_map 0 0 4294967295' },
      { text: 'projid_map 0 0 4294967295' },
      { text: 'owner 0 group 0' },
    ],
  };
  return { title: 'ipsim show net: struct net (the walkthrough\'s Figure 0.1)', clusters, separate: false, boxes: [userNs], edges };
}

/** `show gen`: max_gen_ptrs and the ids in use, then each namespace's net_generic and the blocks it points at. */
export function genGraph(maxGenPtrs: number, ids: readonly { id: number; ops: string }[], views: readonly GenView[], all: boolean): Graph {
  const globals: Box = {
    id: 'Globals',
    plain: true,
    rows: [{ text: `max_gen_ptrs ${maxGenPtrs}` }, { text: `net_generic_ids ${ids.length === 0 ? '(none in use)' : ids.map((e) => `${e.id}:${e.ops}`).join(' ')}` }],
  };
  const clusters: Cluster[] = [{ id: 'GlobalsCluster', label: 'net/core/net_namespace.c', boxes: [globals] }];
  const edges: Edge[] = [];
  views.forEach((view, k) => {
    const prefix = `N${k}`;
    const gen = genBoxes(prefix, view.len, view.slots, all);
    edges.push(...gen.edges);
    clusters.push({ id: `${prefix}Cluster`, label: view.net, boxes: [gen.gen, ...gen.data] });
  });
  return { title: 'ipsim show gen: struct net_generic of each namespace', clusters, separate: true, boxes: [], edges };
}
