import { InvalidQueryError } from '../errors.js';
import type { Tally, TallyQuery } from './tally.js';

/**
 * A report as data: the tallies it needs and how it turns them into its result. Run it over a
 * log file with runReports() (core) or over the database logger's table with queryReports()
 * (@audit-events/knex); both hand `finish` the same tallies for the same decisions.
 */
export interface ReportDefinition<R> {
  readonly query: TallyQuery;
  finish(tallies: readonly Tally[]): R;
}

/**
 * Decisions at or after `since` and strictly before `until` (either may be left out), and, with
 * `tenantId`, only those of that tenant: every report takes the same window.
 */
export interface TimeWindow {
  since?: Date;
  until?: Date;
  tenantId?: string;
}

/** Longest tenant id a report filters by (the column's size). */
const MAX_TENANT_ID = 255;

/** Checks a window; InvalidQueryError for an invalid Date or an empty window. */
export function checkWindow(window: TimeWindow): TimeWindow {
  const out: TimeWindow = {};
  for (const name of ['since', 'until'] as const) {
    const value = window[name];
    if (value === undefined || value === null) continue;
    if (!(value instanceof Date) || Number.isNaN(value.getTime()))
      throw new InvalidQueryError(`${name} must be a valid Date`);
    out[name] = new Date(value.getTime());
  }
  if (out.since !== undefined && out.until !== undefined && out.since.getTime() >= out.until.getTime()) {
    throw new InvalidQueryError(`since (${out.since.toISOString()}) must be before until (${out.until.toISOString()})`);
  }
  const tenantId: unknown = window.tenantId;
  if (tenantId !== undefined && tenantId !== null) {
    if (typeof tenantId !== 'string' || tenantId.length === 0 || tenantId.length > MAX_TENANT_ID) {
      throw new InvalidQueryError(`tenantId must be a string of 1 to ${MAX_TENANT_ID} characters`);
    }
    out.tenantId = tenantId;
  }
  return out;
}

/** The window as it appears in a report: ISO strings or null, and the tenant when one was asked for. */
export function windowFields(window: TimeWindow): { since: string | null; until: string | null; tenantId?: string } {
  const fields: { since: string | null; until: string | null; tenantId?: string } = {
    since: window.since?.toISOString() ?? null,
    until: window.until?.toISOString() ?? null,
  };
  if (window.tenantId !== undefined) fields.tenantId = window.tenantId;
  return fields;
}

export function iso(time: number): string {
  return new Date(time).toISOString();
}
