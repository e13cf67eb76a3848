import { toReportableEvent, type ReportableEvent } from './reportable-event.js';
import { bucketOf, type Tally, type TallyColumn, type TallyQuery } from './tally.js';

/** What tallyEvents returns: one list of tallies per query, and the records that were not events. */
export interface TallyEventsResult {
  tallies: Tally[][];
  /** Records that are not permission events (see toReportableEvent); skipped, never guessed at. */
  invalid: number;
}

export type EventSource = AsyncIterable<unknown> | Iterable<unknown>;

/**
 * The JS back end of TallyQuery: one pass over serialised permission events (e.g. the lines of a
 * FileAuditLogger file), grouped in memory. Memory grows with the number of groups, not of
 * events, exactly like the database's GROUP BY.
 */
export async function tallyEvents(events: EventSource, queries: readonly TallyQuery[]): Promise<TallyEventsResult> {
  const groups = queries.map(() => new Map<string, Tally>());
  let invalid = 0;
  for await (const value of events) {
    const event = toReportableEvent(value);
    if (event === null) {
      invalid++;
      continue;
    }
    for (let i = 0; i < queries.length; i++) {
      const query = queries[i] as TallyQuery;
      if (matches(event, query)) add(groups[i] as Map<string, Tally>, event, query);
    }
  }
  return { tallies: groups.map((g) => [...g.values()]), invalid };
}

function matches(event: ReportableEvent, query: TallyQuery): boolean {
  const w = query.where;
  if (w.granted !== undefined && event.granted !== w.granted) return false;
  if (w.bypassed !== undefined && event.bypassed !== w.bypassed) return false;
  if (w.since !== undefined && event.time < w.since.getTime()) return false;
  if (w.until !== undefined && event.time >= w.until.getTime()) return false;
  if (w.tenantId !== undefined && event.tenant_id !== w.tenantId) return false;
  if (w.deployments !== undefined && (event.deployment === null || !w.deployments.includes(event.deployment)))
    return false;
  return true;
}

function add(groups: Map<string, Tally>, event: ReportableEvent, query: TallyQuery): void {
  const values: unknown[] = query.columns.map((column) => valueOf(event, column));
  const bucket = query.bucket === undefined ? undefined : bucketOf(event.time, query.bucket);
  if (bucket !== undefined) values.push(bucket);
  const key = JSON.stringify(values);
  const found = groups.get(key);
  if (found !== undefined) {
    found.count++;
    if (event.time < found.first) found.first = event.time;
    if (event.time > found.last) found.last = event.time;
    return;
  }
  const tally: Tally = { count: 1, first: event.time, last: event.time };
  query.columns.forEach((column, i) => {
    (tally as unknown as Record<string, unknown>)[column] = values[i];
  });
  if (bucket !== undefined) tally.bucket = bucket;
  groups.set(key, tally);
}

function valueOf(event: ReportableEvent, column: TallyColumn): unknown {
  return event[column];
}
