import type { CountReport, GroupRow, RegressionReport, RegressionRow } from '@audit-events/core';

export type Cell = string | number | boolean | null;

/** One column of a report's table and CSV. */
export interface ReportColumn<Row> {
  /** CSV header: the JSON field name. */
  key: string;
  /** Table header. */
  header: string;
  value(row: Row): Cell;
  /** Table text, when it differs from the raw value (percentages, placeholders). */
  display?(row: Row): string;
  numeric?: boolean;
}

/** Placeholder in tables for a null key: an operation-level decision, an anonymous user, no manager. */
export const NONE = '(none)';

function nullable(value: string | null | undefined): string {
  return value === null || value === undefined ? NONE : value;
}

/** Columns of the denied and bypasses reports: the grouped keys in --by order, then the counts. */
export function countColumns(report: CountReport): Array<ReportColumn<GroupRow>> {
  const columns: Array<ReportColumn<GroupRow>> = [];
  for (const key of report.by) {
    if (key === 'user') {
      columns.push(
        { key: 'user_id', header: 'user_id', value: (r) => r.user_id ?? null, display: (r) => nullable(r.user_id) },
        { key: 'user_repr', header: 'user', value: (r) => r.user_repr ?? null, display: (r) => nullable(r.user_repr) },
      );
    } else if (key === 'tenant') {
      columns.push({
        key: 'tenant_id',
        header: 'tenant',
        value: (r) => r.tenant_id ?? null,
        display: (r) => nullable(r.tenant_id),
      });
    } else {
      columns.push({ key, header: key, value: (r) => r[key] ?? null, display: (r) => nullable(r[key]) });
    }
  }
  columns.push(
    { key: 'count', header: report.report === 'denied' ? 'denied' : 'bypasses', value: (r) => r.count, numeric: true },
    { key: 'first_at', header: 'first', value: (r) => r.first_at },
    { key: 'last_at', header: 'last', value: (r) => r.last_at },
  );
  return columns;
}

/** `12.5%`; null as `-`. */
export function percent(rate: number | null): string {
  return rate === null ? '-' : `${(rate * 100).toFixed(1)}%`;
}

/** `+30.0 pp` (percentage points); null as `-`. */
export function points(change: number | null): string {
  if (change === null) return '-';
  const pp = change * 100;
  return `${pp > 0 ? '+' : pp < 0 ? '-' : '±'}${Math.abs(pp).toFixed(1)} pp`;
}

export function regressionColumns(): Array<ReportColumn<RegressionRow>> {
  return [
    { key: 'manager', header: 'manager', value: (r) => r.manager, display: (r) => nullable(r.manager) },
    { key: 'attribute', header: 'attribute', value: (r) => r.attribute, display: (r) => nullable(r.attribute) },
    { key: 'baseline_total', header: 'base total', value: (r) => r.baseline_total, numeric: true },
    { key: 'baseline_denied', header: 'base denied', value: (r) => r.baseline_denied, numeric: true },
    {
      key: 'baseline_rate',
      header: 'base rate',
      value: (r) => r.baseline_rate,
      display: (r) => percent(r.baseline_rate),
      numeric: true,
    },
    { key: 'candidate_total', header: 'cand total', value: (r) => r.candidate_total, numeric: true },
    { key: 'candidate_denied', header: 'cand denied', value: (r) => r.candidate_denied, numeric: true },
    {
      key: 'candidate_rate',
      header: 'cand rate',
      value: (r) => r.candidate_rate,
      display: (r) => percent(r.candidate_rate),
      numeric: true,
    },
    { key: 'change', header: 'change', value: (r) => r.change, display: (r) => points(r.change), numeric: true },
    {
      key: 'reason',
      header: 'flag',
      value: (r) => r.reason,
      display: (r) => (r.reason === 'rate' ? 'REGRESSED' : r.reason === 'new' ? 'NEW DENIALS' : ''),
    },
  ];
}

/** The regression report's columns, with the deployment names in the headers. */
export function regressionColumnsFor(report: RegressionReport): Array<ReportColumn<RegressionRow>> {
  return regressionColumns().map((c) => ({
    ...c,
    header: c.header.replace(/^base /, `${report.baseline} `).replace(/^cand /, `${report.candidate} `),
  }));
}
