/**
 * The one interface both report back ends implement. A report says which decisions it wants
 * (`where`) and by which columns to group them (`columns`, optionally a time `bucket`); a back
 * end returns one Tally per group: the NDJSON reader by counting in JS (tallyEvents), the
 * database by GROUP BY (@audit-events/knex). Each report then finishes the tallies with the same
 * code, so a file and a table holding the same decisions give the same report.
 */

/** Columns a report can group by: fields of the serialised event (`deployment` is metadata.deployment). */
export type TallyColumn =
  'action' | 'manager' | 'attributes' | 'user_id' | 'user_repr' | 'tenant_id' | 'granted' | 'bypassed' | 'deployment';

/** Time buckets, in UTC: `2025-01-31` (day) or `2025-01-31T12` (hour). */
export type TimeBucket = 'hour' | 'day';

export interface TallyFilter {
  granted?: boolean;
  bypassed?: boolean;
  /** Only decisions whose metadata.deployment (a string) is one of these. */
  deployments?: readonly string[];
  /** Only decisions of this tenant (`tenant_id`). */
  tenantId?: string;
  /** Decisions at or after this instant. */
  since?: Date;
  /** Decisions strictly before this instant. */
  until?: Date;
}

export interface TallyQuery {
  readonly columns: readonly TallyColumn[];
  readonly where: Readonly<TallyFilter>;
  /** Also group by the decision's UTC hour or day. */
  readonly bucket?: TimeBucket;
}

/**
 * One group: the grouped columns' values (the others absent), how many decisions it holds, and
 * the first and last decision time (milliseconds since the epoch, UTC).
 */
export interface Tally {
  action?: string;
  manager?: string | null;
  attributes?: readonly string[];
  user_id?: string | null;
  user_repr?: string | null;
  tenant_id?: string | null;
  granted?: boolean;
  bypassed?: boolean;
  deployment?: string | null;
  bucket?: string;
  count: number;
  first: number;
  last: number;
}

/** The bucket key of an instant (what the SQL back end computes in the database). */
export function bucketOf(time: number, bucket: TimeBucket): string {
  const iso = new Date(time).toISOString();
  return bucket === 'day' ? iso.slice(0, 10) : iso.slice(0, 13);
}

/** The instant a bucket key starts at. */
export function bucketStart(key: string): number {
  return Date.parse(key.length === 10 ? `${key}T00:00:00.000Z` : `${key}:00:00.000Z`);
}
