// Tables for ipsim's own objects. On a terminal: cli-table3 boxes (its default style colours even
// pipes, so styles are emptied and colour comes only from ui/colors). Elsewhere: plain columns
// separated by two spaces, stable for golden files and cheap (cli-table3 is not even loaded).
import type { Output } from './output.js';

function plain(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].map((l) => `${l}\n`).join('');
}

export async function renderTable(out: Output, head: readonly string[], rows: readonly (readonly string[])[]): Promise<string> {
  if (!out.terminal) return plain(head, rows);
  const [{ default: Table }, { loadPaint }] = await Promise.all([import('cli-table3'), import('./colors.js')]);
  const p = await loadPaint(out.color);
  const table = new Table({
    head: head.map((h) => p.head(h)),
    style: { head: [], border: [] },
    // No rule between rows: one line per row keeps long listings readable.
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const row of rows) table.push([...row]);
  return `${table.toString()}\n`;
}
