import { InvalidQueryError } from '../errors.js';

/**
 * The instants a query may name: 0001-01-01 to 9999-12-31 (UTC), four-digit years. Every store
 * compares them correctly (PostgreSQL timestamps and MySQL DATETIME hold them, SQLite keeps
 * milliseconds), and nothing outside it can reach a database as an out-of-range value.
 */
export const MIN_QUERY_TIME = -62_135_596_800_000; // 0001-01-01T00:00:00.000Z
export const MAX_QUERY_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

// `YYYY-MM-DD`, optionally `T` (or a space) `hh:mm[:ss[.fraction]]` and `Z` or `±hh[:]mm`.
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(year: number, month: number): number {
  return month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** True when `ms` is a whole millisecond inside the range every store handles. */
export function isQueryTime(ms: number): boolean {
  return Number.isInteger(ms) && ms >= MIN_QUERY_TIME && ms <= MAX_QUERY_TIME;
}

/**
 * A strict ISO 8601 date or date-time as a Date, or null. Unlike `new Date(text)`, an impossible
 * calendar date (`2024-02-30`, which V8 rolls over to 1 March) or time (`25:00`, `:60`) is refused,
 * and a date-time without an offset is UTC, like a date alone, whatever the server's time zone.
 * Digits past the millisecond round up, so `since`/`until` never take in an earlier event.
 */
export function parseQueryDate(text: string): Date | null {
  const m = ISO.exec(text);
  if (m === null) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', zone = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  let offset = 0;
  if (zone !== 'Z') {
    const digits = zone.replace(':', '');
    const oh = Number(digits.slice(1, 3));
    const om = Number(digits.slice(3, 5));
    if (oh > 23 || om > 59) return null;
    offset = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  const millis = Number(fraction.slice(0, 3).padEnd(3, '0')) + (/[1-9]/.test(fraction.slice(3)) ? 1 : 0);
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear does not.
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, millis));
  date.setUTCFullYear(year);
  const ms = date.getTime() - offset;
  return isQueryTime(ms) ? new Date(ms) : null;
}

/** A query bound given to a store: a Date, or the same strict ISO text as the HTTP listing takes. */
export function checkQueryDate(name: string, value: unknown): Date | undefined {
  if (value === undefined || value === null) return undefined;
  let date: Date | null;
  if (value instanceof Date) date = isQueryTime(value.getTime()) ? new Date(value.getTime()) : null;
  else if (typeof value === 'string') date = parseQueryDate(value);
  else throw new InvalidQueryError(`${name} must be a Date or an ISO 8601 date-time string`);
  if (date === null) {
    throw new InvalidQueryError(`${name} must be a valid ISO 8601 date or date-time from 0001-01-01 to 9999-12-31`);
  }
  return date;
}

// An age before now: `30m`, `12h`, `7d`, `2w` (fractions allowed: `1.5h`).
const AGE = /^(\d{1,9}(?:\.\d{1,9})?)(m|h|d|w)$/;
const UNIT_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A `since`/`until` bound as people type it, shared by the CLI (`--since 7d`) and the HTTP read API
 * (`?since=7d`) so both accept exactly the same forms: an age before `now()` (`30m`, `12h`, `7d`,
 * `2w`) or a strict ISO 8601 date or date-time (parseQueryDate). Null for anything else, or for an
 * instant outside 0001-9999; the caller words the error for its medium.
 */
export function parseTimeBound(text: string, now: () => number = Date.now): Date | null {
  if (typeof text !== 'string') return null;
  const age = AGE.exec(text);
  if (age === null) return parseQueryDate(text);
  // Rounded to a whole millisecond: the stores and cursors only know milliseconds.
  const ms = now() - Math.round(Number(age[1]) * UNIT_MS[age[2]!]!);
  return isQueryTime(ms) ? new Date(ms) : null;
}
