import type { Cell, ReportColumn } from './report-columns.js';

/** Longest cell text in a table; longer values are cut with `…` (the JSON and CSV keep them whole). */
export const MAX_CELL_CHARS = 60;

// C0/C1 controls and the bidi overrides: log data comes from users, and a user name holding an
// ANSI escape or a right-to-left override must not repaint the terminal or reorder the table.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Control and bidi characters written as `\\u001b`, so the text cannot act on the terminal. */
export function safeText(value: string): string {
  return value.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

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
