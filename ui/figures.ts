// The walkthrough's figures drawn from live state, as plain text: Figure 0.2 (net_namespace_list
// and pernet_list) for `show lists`, Figure 0.1 (struct net) for `show net`, and the net_generic
// and allocator listings for `show gen` and `show ids`. Pure: data in, text out. Widths are display
// columns, so a namespace named in CJK or emoji keeps the boxes aligned.

/** The display columns of a text. */
export type Measure = (text: string) => number;

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Printable ASCII is a column a character. */
const asciiWidth: Measure = (text) => text.length;

/**
 * The measure renderLists needs for these lists: a text's length while every label is printable
 * ASCII, else fast-string-width's, loaded only then (building its Unicode expressions costs a start
 * about a millisecond).
 */
export async function listsMeasure(nets: readonly string[], ops: readonly OpsBox[]): Promise<Measure> {
  const texts = [...nets, ...ops.flatMap((o) => [o.name, o.init ?? '', o.exit ?? '', o.exit_batch ?? ''])];
  if (texts.every((text) => PRINTABLE_ASCII.test(text))) return asciiWidth;
  const { default: fastStringWidth } = await import('fast-string-width');
  return (text) => (PRINTABLE_ASCII.test(text) ? text.length : fastStringWidth(text));
}

export interface OpsBox {
  name: string;
  /** The generic id written through ops->id, or null. */
  id: number | null;
  size: number;
  init: string | null;
  exit: string | null;
  exit_batch: string | null;
}

/** Boxes per row before the chain wraps, in a pipe (the golden layout, readable in 100 columns). */
const PER_ROW = 4;
/** The arrow that ends a row the chain continues after. */
const CONTINUES = ' --->';
const BOX = 15;
/** The columns of the arrow from a box, or from its widest label, to the next box. */
const ARROW = 7;
const INDENT = '   ';

/** text padded with spaces to `columns` display columns (String#padEnd counts UTF-16 units). */
function padColumns(text: string, columns: number, stringWidth: Measure): string {
  return text + ' '.repeat(Math.max(0, columns - stringWidth(text)));
}

/**
 * How many boxes from `start` fit in a row of `columns` display columns (at least one): a box's
 * column is its width plus the arrow to the next; the last one's is its box or widest label, and
 * the arrow to the next row when the chain goes on. `widths`: each box's column with its arrow.
 */
function rowLength(widths: readonly number[], start: number, columns: number): number {
  let used = INDENT.length;
  let n = 0;
  while (start + n < widths.length) {
    const widest = widths[start + n]! - ARROW;
    const continues = start + n + 1 < widths.length;
    const asLast = used + widest + (continues ? CONTINUES.length : 0);
    if (n > 0 && asLast > columns) break;
    used += widest + ARROW;
    n += 1;
  }
  return n;
}

/**
 * One list of Figure 0.2: boxes joined by arrows, labels under each box. Rows hold PER_ROW boxes,
 * or, given a terminal's `columns`, as many as fit in it.
 */
function chain(title: string, kind: string, labels: readonly (readonly string[])[], columns: number | undefined, stringWidth: Measure): string[] {
  const lines = [title];
  if (labels.length === 0) {
    lines.push(`${INDENT}(empty)`);
    return lines;
  }
  // Each column's width once: a row's boxes, arrows and labels all use it.
  const widths = labels.map((column) => Math.max(BOX, ...column.map((l) => stringWidth(l))) + ARROW);
  const box = `+${'-'.repeat(BOX - 2)}+`;
  const cell = `|${kind.padEnd(BOX - 2)}|`;
  for (let start = 0, perRow = 0; start < labels.length; start += perRow) {
    perRow = columns === undefined ? PER_ROW : rowLength(widths, start, columns);
    const end = Math.min(start + perRow, labels.length);
    const continues = end < labels.length;
    let top = INDENT;
    let mid = start === 0 ? INDENT : '-->';
    let bottom = INDENT;
    let depth = 0;
    for (let i = start; i < end; i += 1) {
      const w = widths[i]!;
      const last = i === end - 1;
      top += last ? box : box.padEnd(w);
      bottom += last ? box : box.padEnd(w);
      mid += last ? cell : `${cell} ${'-'.repeat(w - BOX - 2)}>`;
      depth = Math.max(depth, labels[i]!.length);
    }
    if (continues) mid += CONTINUES;
    lines.push(top, mid, bottom);
    for (let d = 0; d < depth; d += 1) {
      let text = INDENT;
      for (let i = start; i < end; i += 1) {
        const label = labels[i]![d] ?? '';
        text += i === end - 1 ? label : padColumns(label, widths[i]!, stringWidth);
      }
      lines.push(text.trimEnd());
    }
    if (continues) lines.push('');
  }
  return lines;
}

/**
 * Figure 0.2: net_namespace_list and pernet_list, with the callbacks and first_device. `columns`:
 * the terminal's width to wrap the chains to; undefined keeps PER_ROW boxes a row. `measure`: from
 * listsMeasure for these lists.
 */
export function renderLists(nets: readonly string[], ops: readonly OpsBox[], firstDevice: string | null, measure: Measure, columns?: number): string {
  const opsLabels = ops.map((o) => {
    const column = [o.name];
    for (const fn of [o.init, o.exit, o.exit_batch]) if (fn !== null) column.push(`.${fn}`);
    if (o.name === firstDevice) column.push('^ first_device');
    return column;
  });
  const lines = [
    ...chain('net_namespace_list, a list of network namespace', 'net', nets.map((n) => [n]), columns, measure),
    '',
    ...chain('pernet_list, a list of pernet_operations', 'ops', opsLabels, columns, measure),
    '',
    firstDevice === null ? 'first_device = &pernet_list (no device registered)' : `first_device = &${firstDevice}.list`,
  ];
  return `${lines.join('\n')}\n`;
}

export interface SlotView {
  index: number;
  id: number;
  ops: string;
  size: number;
  state: 'data' | 'stale';
}

export interface GenView {
  net: string;
  len: number;
  slots: readonly SlotView[];
}

/** How many of a net_generic's `len` slots are NULL. */
export function nullCount(len: number, slots: readonly SlotView[]): number {
  return len - slots.length;
}

/** The ptr[] lines of one net_generic: its non-NULL slots, or every slot with `all`. */
function slotLines(view: GenView, all: boolean): string[] {
  const lines: string[] = [];
  const opsWidth = Math.max(4, ...view.slots.map((s) => s.ops.length));
  // Each slot by its index: one pass over ptr[], not a search of the slots for each index.
  const byIndex: (SlotView | undefined)[] = [];
  for (const s of view.slots) byIndex[s.index] = s;
  for (let index = 0; index < view.len; index += 1) {
    const slot = byIndex[index];
    if (slot === undefined && !all) continue;
    const head = `  ptr[${index}]`.padEnd(11) + `id ${index + 1}`.padEnd(7);
    lines.push(
      slot === undefined
        ? `${head}NULL`
        : `${head}${slot.ops.padEnd(opsWidth)}  ${`${slot.size} bytes`.padEnd(12)}${slot.state === 'data' ? 'data' : 'stale (freed, pointer left)'}`,
    );
  }
  return lines;
}

/** `show gen`: the non-NULL ptr[] slots of each namespace and how many are NULL; every slot with `all`. */
export function renderGen(maxGenPtrs: number, ids: readonly { id: number; ops: string }[], nets: readonly GenView[], all: boolean): string {
  let text = `max_gen_ptrs ${maxGenPtrs}\nnet_generic_ids ${ids.length === 0 ? '(none in use)' : ids.map((e) => `${e.id}:${e.ops}`).join(' ')}\n`;
  for (const view of nets) {
    text += `\n${view.net}: struct net_generic, len ${view.len}\n`;
    // Most namespaces of a large state hold no generic data: nothing to draw but the count.
    if (all || view.slots.length > 0) for (const line of slotLines(view, all)) text += `${line}\n`;
    if (!all) text += `  ${nullCount(view.len, view.slots)} NULL\n`;
  }
  return text;
}

export interface NetView {
  net: string;
  names: readonly string[];
  count: number;
  passive: number;
  dev_base_seq: number;
  proc_inum: number | null;
  loopback_dev: string | null;
  gen_len: number;
  slots: readonly SlotView[];
  nsids: readonly { nsid: number; net: string }[];
}

function box(rows: readonly string[], width: number): string[] {
  const rule = `+${'-'.repeat(width)}+`;
  return [rule, ...rows.map((r) => (r === '-' ? rule : `|${r.padEnd(width)}|`)), rule];
}

/** `blue: struct net, net:[4026531841]`: the heading of Figure 0.1 for one namespace. */
export function netHeader(view: { net: string; proc_inum: number | null }): string {
  return `${view.net}: struct net${view.proc_inum === null ? '' : `, net:[${view.proc_inum}]`}`;
}

/** Figure 0.1: struct net with its net_generic and init_user_ns beside it. */
export function renderNet(view: NetView): string {
  const left = box(
    [
      ` count         ${view.count}`,
      ` passive       ${view.passive}`,
      ` dev_base_seq  ${view.dev_base_seq}`,
      ` proc_inum     ${view.proc_inum ?? '(none)'}`,
      '-',
      ' gen (struct net_generic *)',
      '-',
      ' user_ns (struct user_namespace *)',
      '-',
      ` loopback_dev  ${view.loopback_dev ?? 'NULL'}`,
    ],
    36,
  );
  const used = view.slots.map((s) => ` ptr[${s.index}] ${s.ops} ${s.state}`);
  const gen = box([` len ${view.gen_len}`, ...used, ` ${nullCount(view.gen_len, view.slots)} NULL`], Math.max(22, ...used.map((u) => u.length + 1)));
  const userNs = box(
    [' init_user_ns', ' uid_map    0 0 4294967295', ' gid_map    0 0 4294967295', ' projid_map 0 0 4294967295', ' owner 0  group 0'],
    27,
  );
  // Anchor rows in `left`: the gen field and the user_ns field.
  const placed: { anchor: number; lines: string[] }[] = [
    { anchor: 6, lines: gen },
    { anchor: 8, lines: userNs },
  ];
  // Each row: the struct net column, a 7-character gap for the arrows, then a side box.
  const rows = left.map((l) => `${INDENT}${l}`);
  const width = rows[0]!.length;
  const gap: string[] = [];
  const side: string[] = [];
  let free = 0;
  for (const item of placed) {
    const at = Math.max(item.anchor, free);
    if (at === item.anchor) {
      gap[at] = '------>';
    } else {
      gap[item.anchor] = '--+';
      for (let r = item.anchor + 1; r < at; r += 1) gap[r] = '  |';
      gap[at] = '  +--->';
    }
    item.lines.forEach((line, i) => {
      side[at + i] = line;
    });
    free = at + item.lines.length;
  }
  const height = Math.max(rows.length, side.length);
  const body: string[] = [];
  for (let r = 0; r < height; r += 1) {
    body.push(`${(rows[r] ?? '').padEnd(width)}${(gap[r] ?? '').padEnd(7)}${side[r] ?? ''}`.trimEnd());
  }
  const header = netHeader(view);
  const names = `names: ${view.names.length === 0 ? '(none)' : view.names.join(' ')}`;
  const nsids = `nsids: ${view.nsids.length === 0 ? '(none)' : view.nsids.map((n) => `${n.nsid}=${n.net}`).join(' ')}`;
  return `${[header, ...body, `${INDENT}${names}`, `${INDENT}${nsids}`].join('\n')}\n`;
}

/** Consecutive numbers as ranges: 4026531840..4026531955 (116). */
function ranges(values: readonly number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < values.length) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j]! + 1) j += 1;
    parts.push(j - i >= 2 ? `${values[i]}..${values[j]} (${j - i + 1})` : values.slice(i, j + 1).join(' '));
    i = j + 1;
  }
  return parts.length === 0 ? '(none)' : parts.join(' ');
}

/**
 * `show ids`: the IDAs in use and max_gen_ptrs; the proc inode numbers split into those `proc
 * reserve` took (the /proc entries a boot creates before net_ns_init) and the namespaces' own.
 */
export function renderIds(genericIds: readonly number[], maxGenPtrs: number, procInums: readonly number[], reserved: readonly number[]): string {
  const taken = new Set(reserved);
  return [
    `net_generic_ids  ${ranges(genericIds)}`,
    `max_gen_ptrs     ${maxGenPtrs}`,
    `proc_inums       ${ranges(procInums)}`,
    `  reserved       ${ranges(reserved)}`,
    `  namespaces     ${ranges(procInums.filter((inum) => !taken.has(inum)))}`,
    '',
  ].join('\n');
}
