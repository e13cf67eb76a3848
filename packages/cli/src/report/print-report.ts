import type { CommandContext } from '../command-context.js';
import { formatCsv } from './format-csv.js';
import { safeText } from '../output/safe-text.js';
import { formatTable } from './format-table.js';
import type { ReportColumn } from './report-columns.js';
import type { ReportOrigin } from './report-source.js';

export type ReportFormat = 'table' | 'json' | 'csv';

export interface PrintableReport<Row> {
  format: ReportFormat;
  /** The report object, printed as is with `--format json` (plus `source`). */
  document: object;
  origin: ReportOrigin;
  columns: ReadonlyArray<ReportColumn<Row>>;
  rows: readonly Row[];
  /** Lines above the table (table format only). */
  title: string[];
  /** Lines below the table (table format only). */
  footer?: string[];
}

/** Writes a report to stdout in the chosen format; diagnostics stay on stderr. */
export function printReport<Row>(ctx: CommandContext, report: PrintableReport<Row>): void {
  if (report.format === 'json') {
    ctx.out(JSON.stringify({ ok: true, ...report.document, source: sourceOf(report.origin) }));
    return;
  }
  if (report.format === 'csv') {
    for (const line of formatCsv(report.columns, report.rows)) ctx.out(line);
    return;
  }
  for (const line of report.title) ctx.out(safeText(line));
  ctx.out(`source: ${safeText(describeOrigin(report.origin))}`);
  ctx.out('');
  if (report.rows.length === 0) ctx.out('(no matching decisions)');
  else for (const line of formatTable(report.columns, report.rows)) ctx.out(line);
  if (report.footer && report.footer.length > 0) {
    ctx.out('');
    for (const line of report.footer) ctx.out(safeText(line));
  }
}

export function describeOrigin(origin: ReportOrigin): string {
  if (origin.kind === 'database') return `${origin.table} on ${origin.database}`;
  const s = origin.stats;
  const notes = [`${s.events} decisions`];
  if (s.malformed > 0) notes.push(`${s.malformed} malformed lines skipped`);
  if (s.tornLastLine) notes.push('incomplete last line skipped');
  return `${origin.files.join(', ')} (${notes.join(', ')})`;
}

/** The `source` field of JSON output. */
export function sourceOf(origin: ReportOrigin): object {
  if (origin.kind === 'database') return { kind: 'database', database: origin.database, table: origin.table };
  return {
    kind: 'file',
    files: origin.files,
    lines: origin.stats.lines,
    decisions: origin.stats.events,
    malformed: origin.stats.malformed,
    tornLastLine: origin.stats.tornLastLine,
  };
}

/** `since 2025-03-01T00:00:00.000Z until …`, or `all time`. */
export function windowText(since: string | null, until: string | null, tenantId?: string): string {
  const window =
    since === null && until === null
      ? 'all time'
      : [since === null ? null : `since ${since}`, until === null ? null : `until ${until}`].filter(Boolean).join(' ');
  return tenantId === undefined ? window : `${window}, tenant ${JSON.stringify(tenantId)}`;
}
