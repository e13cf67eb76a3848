import { safeText } from '../output/safe-text.js';
import type { Cell, ReportColumn } from './report-columns.js';

/** Longest cell text in a table; longer values are cut with `…` (the JSON and CSV keep them whole). */
export const MAX_CELL_CHARS = 60;

/** Makes a value safe and short enough for a terminal cell. */
export function cellText(value: string): string {
  const safe = safeText(value);
  return safe.length > MAX_CELL_CHARS ? `${safe.slice(0, MAX_CELL_CHARS - 1)}…` : safe;
}

function defaultText(value: Cell): string {
  if (value === null) return '-';
  return String(value);
}

/** An aligned plain-text table: left-aligned text, right-aligned numbers, a rule under the header. */
export function formatTable<Row>(columns: ReadonlyArray<ReportColumn<Row>>, rows: readonly Row[]): string[] {
  const cells = rows.map((row) => columns.map((c) => cellText(c.display ? c.display(row) : defaultText(c.value(row)))));
  const headers = columns.map((c) => cellText(c.header));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((line) => (line[i] ?? '').length)));
  const render = (line: string[]): string =>
    line
      .map((text, i) => (columns[i]?.numeric ? text.padStart(widths[i] ?? 0) : text.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [render(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(render)];
}
