// Tables for ipsim's own objects (cli-table3). Its default style colours borders and headers
// even into a pipe, so styles are always emptied here and colour comes only from ui/colors.
import Table from 'cli-table3';
import { paint } from './colors.js';

export function renderTable(color: boolean, head: readonly string[], rows: readonly (readonly string[])[]): string {
  const p = paint(color);
  const table = new Table({
    head: head.map((h) => p.head(h)),
    style: { head: [], border: [] },
    // No rule between rows: one line per row keeps long listings greppable.
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const row of rows) table.push([...row]);
  return `${table.toString()}\n`;
}
