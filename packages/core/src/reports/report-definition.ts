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

/** Decisions at or after `since` and strictly before `until` (either may be left out). */
export interface TimeWindow {
  since?: Date;
  until?: Date;
}

/** Checks a window; InvalidQueryError for an invalid Date or an empty window. */
export function checkWindow(window: TimeWindow): TimeWindow {
  const out: TimeWindow = {};
  for (const name of ['since', 'until'] as const) {
    const value = window[name];
    if (value === undefined || value === null) continue;
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new InvalidQueryError(`${name} must be a valid Date`);
    out[name] = new Date(value.getTime());
  }
  if (out.since !== undefined && out.until !== undefined && out.since.getTime() >= out.until.getTime()) {
    throw new InvalidQueryError(`since (${out.since.toISOString()}) must be before until (${out.until.toISOString()})`);
  }
  return out;
}

/** The window as it appears in a report: ISO strings or null. */
export function windowFields(window: TimeWindow): { since: string | null; until: string | null } {
  return { since: window.since?.toISOString() ?? null, until: window.until?.toISOString() ?? null };
}

export function iso(time: number): string {
  return new Date(time).toISOString();
}
