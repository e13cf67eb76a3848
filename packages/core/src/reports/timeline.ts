import { InvalidQueryError } from '../errors.js';
import { checkWindow, iso, windowFields, type ReportDefinition, type TimeWindow } from './report-definition.js';
import { bucketStart, type Tally, type TimeBucket } from './tally.js';

export interface TimelineOptions extends TimeWindow {
  /**
   * Bucket size. Default `auto`: hours when the decisions span at most AUTO_HOURLY_SPAN_MS
   * (two days), else days. Buckets are UTC.
   */
  bucket?: TimeBucket | 'auto';
}

/** With `auto`, data spanning at most this long is shown per hour (≤ 49 bars), longer per day. */
export const AUTO_HOURLY_SPAN_MS = 48 * 3_600_000;
/** Empty buckets between the first and the last are filled in up to this many buckets. */
export const MAX_FILLED_BUCKETS = 5000;

export interface TimelineRow {
  /** UTC bucket: `2025-01-31` or `2025-01-31T12`. */
  bucket: string;
  /** Granted decisions, bypasses included. */
  granted: number;
  denied: number;
  /** Superuser bypasses (a subset of granted). */
  bypassed: number;
}

export interface TimelineReport {
  report: 'timeline';
  bucket: TimeBucket;
  since: string | null;
  until: string | null;
  /** The tenant the report is limited to, when one was given. */
  tenantId?: string;
  totals: { decisions: number; granted: number; denied: number; bypassed: number };
  /** First and last decision, ISO 8601 UTC; null when there is none. */
  first_at: string | null;
  last_at: string | null;
  /** Oldest bucket first, without gaps (empty buckets have zero counts). */
  rows: TimelineRow[];
}

/**
 * Decisions over time, granted against denied. The back end tallies per hour (per day when
 * `bucket: 'day'`); `auto` rolls hours up to days in JS when the data spans more than two days,
 * which reads at most one row per hour and outcome from the database.
 */
export function defineTimelineReport(options: TimelineOptions = {}): ReportDefinition<TimelineReport> {
  const choice = options.bucket ?? 'auto';
  if (choice !== 'auto' && choice !== 'hour' && choice !== 'day') {
    throw new InvalidQueryError(`bucket must be auto, hour or day, got ${JSON.stringify(String(choice))}`);
  }
  const window = checkWindow(options);
  return {
    query: { columns: ['granted', 'bypassed'], where: { ...window }, bucket: choice === 'day' ? 'day' : 'hour' },
    finish: (tallies) => finishTimeline(tallies, choice, window),
  };
}

function finishTimeline(tallies: readonly Tally[], choice: TimeBucket | 'auto', window: TimeWindow): TimelineReport {
  let first = Infinity;
  let last = -Infinity;
  for (const t of tallies) {
    first = Math.min(first, t.first);
    last = Math.max(last, t.last);
  }
  const bucket: TimeBucket = choice === 'auto' ? (last - first > AUTO_HOURLY_SPAN_MS ? 'day' : 'hour') : choice;
  const rows = new Map<string, TimelineRow>();
  const totals = { decisions: 0, granted: 0, denied: 0, bypassed: 0 };
  for (const t of tallies) {
    const key = bucket === 'day' ? String(t.bucket).slice(0, 10) : String(t.bucket);
    let row = rows.get(key);
    if (row === undefined) {
      row = { bucket: key, granted: 0, denied: 0, bypassed: 0 };
      rows.set(key, row);
    }
    totals.decisions += t.count;
    if (t.granted === true) {
      row.granted += t.count;
      totals.granted += t.count;
    } else {
      row.denied += t.count;
      totals.denied += t.count;
    }
    if (t.bypassed === true) {
      row.bypassed += t.count;
      totals.bypassed += t.count;
    }
  }
  return {
    report: 'timeline',
    bucket,
    ...windowFields(window),
    totals,
    first_at: tallies.length === 0 ? null : iso(first),
    last_at: tallies.length === 0 ? null : iso(last),
    rows: fillGaps([...rows.values()], bucket),
  };
}

/** Sorted rows with an empty row for every bucket missing between the first and the last. */
function fillGaps(rows: TimelineRow[], bucket: TimeBucket): TimelineRow[] {
  rows.sort((a, b) => (a.bucket < b.bucket ? -1 : a.bucket > b.bucket ? 1 : 0));
  const head = rows[0];
  const tail = rows[rows.length - 1];
  if (head === undefined || tail === undefined) return rows;
  const step = bucket === 'day' ? 86_400_000 : 3_600_000;
  const start = bucketStart(head.bucket);
  const count = Math.round((bucketStart(tail.bucket) - start) / step) + 1;
  if (count > MAX_FILLED_BUCKETS) return rows;
  const byKey = new Map(rows.map((r) => [r.bucket, r]));
  const out: TimelineRow[] = [];
  for (let i = 0; i < count; i++) {
    const iso = new Date(start + i * step).toISOString();
    const key = bucket === 'day' ? iso.slice(0, 10) : iso.slice(0, 13);
    out.push(byKey.get(key) ?? { bucket: key, granted: 0, denied: 0, bypassed: 0 });
  }
  return out;
}
