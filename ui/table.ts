// Tables for ipsim's own objects. On a terminal: cli-table3 boxes (its default style colours even
// pipes, so styles are emptied and colour comes only from ui/colors). Elsewhere: plain columns
// separated by two spaces, stable for golden files and cheap (cli-table3 is not even loaded).
// On a terminal the table fits its width: the widest columns give way and their cells wrap.
import type { Measure } from './figures.js';
import type { Output } from './output.js';

function plain(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].map((l) => `${l}\n`).join('');
}

/** Padding cli-table3 puts on each side of a cell. */
const PADDING = 2;
/** The narrowest a column gets: one character of content. */
const NARROWEST = 1 + PADDING;

/**
 * Column widths (padding included) that fit `columns` display columns with the n+1 borders, or
 * undefined when the table fits as it is. The widest column gives way first, one column at a time,
 * so narrow columns (#, id, size) keep their width.
 */
export function fitWidths(head: readonly string[], rows: readonly (readonly string[])[], columns: number, stringWidth: Measure): number[] | undefined {
  const widths = head.map((h, i) => Math.max(stringWidth(h), ...rows.map((r) => stringWidth(r[i] ?? ''))) + PADDING);
  const available = columns - (head.length + 1);
  let total = widths.reduce((a, b) => a + b, 0);
  if (total <= available) return undefined;
  while (total > available) {
    const widest = widths.indexOf(Math.max(...widths));
    if (widths[widest]! <= NARROWEST) break;
    widths[widest]! -= 1;
    total -= 1;
  }
  return widths;
}

export async function renderTable(out: Output, head: readonly string[], rows: readonly (readonly string[])[]): Promise<string> {
  if (!out.terminal) return plain(head, rows);
  // Display widths (CJK, emoji) matter only here, on a terminal: the plain columns are by length.
  const [{ default: Table }, { loadPaint }, { default: stringWidth }] = await Promise.all([import('cli-table3'), import('./colors.js'), import('fast-string-width')]);
  const p = await loadPaint(out.color);
  const colWidths = out.columns === undefined ? undefined : fitWidths(head, rows, out.columns, stringWidth);
  const table = new Table({
    head: head.map((h) => p.head(h)),
    ...(colWidths ? { colWidths, wordWrap: true, wrapOnWordBoundary: false } : {}),
    style: { head: [], border: [] },
    // No rule between rows: one line per row keeps long listings readable.
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const row of rows) table.push([...row]);
  return `${table.toString()}\n`;
}
