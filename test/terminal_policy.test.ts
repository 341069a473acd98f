// The output policy (ui/output.ts) and the width fitting of figures and tables, with the width
// injected: a figure or table given a terminal's columns never draws a line wider than them, and
// without columns (a pipe) keeps the fixed layout of the golden files.
import { describe, expect, test } from '@jest/globals';
import stringWidth from 'fast-string-width';
import { listsMeasure, renderLists, type OpsBox } from '../ui/figures.js';
import { createOutput, interactivity } from '../ui/output.js';
import { startSpinner } from '../ui/spinner.js';
import { fitWidths, renderTable } from '../ui/table.js';

const widest = (text: string): number => Math.max(...text.split('\n').map((line) => stringWidth(line.replace(/\x1b\[[0-9;]*m/g, ''))));

const ops = (name: string, fns = true): OpsBox => ({
  name,
  id: null,
  size: 0,
  init: fns ? `${name.replace(/_ops$/, '')}_init` : null,
  exit: fns ? `${name.replace(/_ops$/, '')}_exit` : null,
  exit_batch: null,
});
const OPS = ['proc_net_ns_ops', 'net_ns_ops', 'sysctl_pernet_ops', 'netfilter_net_ops', 'nf_log_net_ops', 'ip6_tables_net_ops', 'a', 'loopback_net_ops', 'default_device_ops'].map((n) => ops(n));
const NETS = ['init_net', 'blue', 'a-namespace-with-a-long-name', '名前'];
const measure = await listsMeasure(NETS, OPS);

describe('interactivity: who may ask, spin and fit', () => {
  test.each([
    [{ stdinIsTTY: true, stdoutIsTTY: true, stderrIsTTY: true, columns: 80 }, { interactive: true, spinners: true, columns: 80 }],
    [{ stdinIsTTY: true, stdoutIsTTY: true, stderrIsTTY: false, columns: 80 }, { interactive: true, spinners: false, columns: 80 }],
    [{ stdinIsTTY: false, stdoutIsTTY: true, stderrIsTTY: true, columns: 120 }, { interactive: false, spinners: false, columns: 120 }],
    [{ stdinIsTTY: true, stdoutIsTTY: false, stderrIsTTY: true, columns: undefined }, { interactive: false, spinners: false, columns: undefined }],
  ])('%j → %j', (attached, expected) => {
    expect(interactivity(attached)).toEqual(expected);
  });
});

describe('show lists fits the width it is given', () => {
  test.each([60, 80, 100, 132])('%i columns: no line wider, every box in order', (columns) => {
    const text = renderLists(NETS, OPS, 'loopback_net_ops', measure, columns);
    expect(widest(text)).toBeLessThanOrEqual(columns);
    const order = text.split('\n').filter((l) => /^ {3}[^ +|.^]/.test(l)).flatMap((l) => l.trim().split(/ {2,}/));
    expect(order.filter((w) => OPS.some((o) => o.name === w))).toEqual(OPS.map((o) => o.name));
    expect(order.filter((w) => NETS.includes(w))).toEqual(NETS);
  });

  test('80 columns holds fewer boxes a row than a wide terminal', () => {
    const rows = (text: string): number => text.split('\n').filter((l) => /^(?: {3}|-->)\|ops/.test(l)).length;
    expect(rows(renderLists(NETS, OPS, null, measure, 80))).toBeGreaterThan(rows(renderLists(NETS, OPS, null, measure, 300)));
    expect(rows(renderLists(NETS, OPS, null, measure, 300))).toBe(1);
  });

  test('no columns (a pipe): four boxes a row, as the golden files have it', () => {
    const text = renderLists(NETS, OPS, null, measure);
    expect(text.split('\n').filter((l) => /^(?: {3}|-->)\|ops/.test(l))).toHaveLength(3);
    expect(widest(text)).toBeGreaterThan(80);
  });
});

describe('pernet list fits the width it is given', () => {
  const head = ['#', 'ops', 'kind', 'id', 'size', 'init', 'exit', 'exit_batch', 'faults'];
  const rows = OPS.map((o, i) => [String(i + 1), o.name, 'subsys', '-', '0', o.init ?? '-', o.exit ?? '-', 'default_device_exit_batch', 'init@blue=-ENOMEM alloc@*']);

  test('fitWidths: the widest columns give way; narrow ones keep their width; a table that fits is left alone', () => {
    const widths = fitWidths(head, rows, 80, stringWidth)!;
    expect(widths.reduce((a, b) => a + b, 0) + head.length + 1).toBeLessThanOrEqual(80);
    expect(widths[0]).toBe(3);
    expect(widths[3]).toBe(4);
    expect(fitWidths(head, rows, 400, stringWidth)).toBeUndefined();
  });

  test.each([80, 100])('a terminal of %i columns: no line of the table is wider', async (columns) => {
    const out = createOutput({ write: () => undefined }, { write: () => undefined }, { color: true, terminal: true, columns });
    const table = await renderTable(out, head, rows);
    expect(table).toContain('┌');
    expect(widest(table)).toBeLessThanOrEqual(columns);
    // Cells wrap rather than lose their text.
    expect(table).not.toContain('…');
  });

  test('in a pipe: plain columns, whatever their width', async () => {
    const out = createOutput({ write: () => undefined }, { write: () => undefined }, { color: false, terminal: false });
    const table = await renderTable(out, head, rows);
    expect(table.split('\n')[0]).toBe('#  ops                 kind    id  size  init                 exit                 exit_batch                 faults');
  });
});

describe('spinners', () => {
  test('an output that may not spin gets a spinner that draws nothing and loads nothing', async () => {
    const writes: string[] = [];
    const out = createOutput({ write: (t) => writes.push(t) }, { write: (t) => writes.push(t) }, { color: false, terminal: true, spinners: false });
    const spinner = await startSpinner(out, 'working', 0);
    out.out('line\n');
    spinner.stop();
    expect(writes).toEqual(['line\n']);
    expect(out.overlay).toBeUndefined();
  });
});
