import type { TallyColumn, TimeBucket } from '@audit-events/core';
import { type DialectName } from '../sql/dialect.js';
import { quoteIdentifier } from '../sql/identifiers.js';

/**
 * The SQL each dialect needs to compute, inside the database, what the NDJSON back end computes
 * in JS: UTC time buckets, metadata.deployment (only when it is a JSON string), time bounds, and
 * first/last times as text (mysql2 would otherwise read DATETIME in the client's local zone).
 * The permission table stores times as UTC text `YYYY-MM-DD HH:MM:SS.mmm` on SQLite, UTC
 * DATETIME(3) on MySQL/MariaDB and timestamptz on PostgreSQL (see permission-audit-rows.ts).
 */

const TIME = 'timestamp';

/** The expression selected for a tally column. */
export function columnExpression(column: TallyColumn, dialect: DialectName): string {
  return column === 'deployment' ? deploymentExpression(dialect) : quoteIdentifier(column, dialect);
}

/** metadata.deployment when it is a string, else NULL (a number or object is not a deployment name). */
export function deploymentExpression(dialect: DialectName): string {
  const m = quoteIdentifier('metadata', dialect);
  if (dialect === 'postgres') {
    return `(case when jsonb_typeof((${m})::jsonb -> 'deployment') = 'string' then (${m})::jsonb ->> 'deployment' end)`;
  }
  if (dialect === 'mysql') {
    return `(case when json_type(json_extract(${m}, '$.deployment')) = 'STRING' then json_unquote(json_extract(${m}, '$.deployment')) end)`;
  }
  // Nested CASE: SQLite's json functions raise on malformed text, and CASE evaluates lazily.
  return `(case when json_valid(${m}) then (case when json_type(${m}, '$.deployment') = 'text' then json_extract(${m}, '$.deployment') end) end)`;
}

/** The UTC bucket key, formatted exactly as core's bucketOf(): `YYYY-MM-DD` or `YYYY-MM-DDTHH`. */
export function bucketExpression(bucket: TimeBucket, dialect: DialectName): string {
  const t = quoteIdentifier(TIME, dialect);
  if (dialect === 'postgres') {
    return `to_char(${t} at time zone 'UTC', '${bucket === 'day' ? 'YYYY-MM-DD' : 'YYYY-MM-DD"T"HH24'}')`;
  }
  if (dialect === 'mysql') return `date_format(${t}, '${bucket === 'day' ? '%Y-%m-%d' : '%Y-%m-%dT%H'}')`;
  return bucket === 'day' ? `substr(${t}, 1, 10)` : `(substr(${t}, 1, 10) || 'T' || substr(${t}, 12, 2))`;
}

/** `min`/`max` of the decision time, selected as something timeOf() reads without time-zone guesses. */
export function timeAggregate(fn: 'min' | 'max', dialect: DialectName): string {
  const t = quoteIdentifier(TIME, dialect);
  if (dialect === 'mysql') return `date_format(${fn}(${t}), '%Y-%m-%d %H:%i:%s.%f')`;
  return `${fn}(${t})`;
}

/** A time bound as the column compares it: a Date for timestamptz, UTC text elsewhere. */
export function timeBinding(date: Date, dialect: DialectName): Date | string {
  return dialect === 'postgres' ? date : date.toISOString().replace('T', ' ').slice(0, 23);
}

/** Milliseconds of a selected time: a Date (pg), or UTC text with or without fraction. */
export function timeOf(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  const text = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  const iso = text.includes('T') ? text : text.replace(' ', 'T');
  return Date.parse(/(Z|[+-]\d\d:?\d\d)$/.test(iso) ? iso : `${iso}Z`);
}

/** `not granted` / `granted = 0`: a literal, so the column's index can be used. */
export function booleanEquals(column: string, value: boolean, dialect: DialectName): string {
  const c = quoteIdentifier(column, dialect);
  if (dialect === 'postgres') return value ? c : `not ${c}`;
  return `${c} = ${value ? 1 : 0}`;
}
