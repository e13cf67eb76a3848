import { safeLayoutText } from '../output/safe-text.js';
import type { Cell, ReportColumn } from './report-columns.js';

// Spreadsheets run cells starting with these as formulas (`=HYPERLINK(…)` in a user name is an
// attack on whoever opens the export): such text cells get a leading apostrophe, as OWASP advises.
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF; quotes doubled.
 * Controls (ESC…), bidi and line-separator characters are written as `\uXXXX` (see safe-text.ts):
 * whoever `cat`s the export or opens it must see the text, not have it act.
 */
export function csvField(value: Cell): string {
  if (value === null) return '';
  let text = typeof value === 'string' ? safeLayoutText(value) : String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Header line plus one line per row, with raw values (rates as fractions, null as empty). */
export function formatCsv<Row>(columns: ReadonlyArray<ReportColumn<Row>>, rows: readonly Row[]): string[] {
  return [
    columns.map((c) => csvField(c.key)).join(','),
    ...rows.map((row) => columns.map((c) => csvField(c.value(row))).join(',')),
  ];
}
