import { type DialectTraits } from '../sql/dialect.js';
import { fromDbBoolean, fromDbJson } from '../sql/values.js';
import { canonicalJson } from './canonical-json.js';
import { isoTimestamp } from './iso-timestamp.js';

/**
 * How a column's value is normalised before hashing. The writer normalises the value it binds,
 * the verifier the value the driver returns; each kind maps both to the same text on every
 * dialect, which is what makes a stored row verifiable after the round trip.
 */
export type ValueKind = 'string' | 'int' | 'float' | 'bool' | 'json' | 'timestamp';

// A time without a zone: the permission log stores UTC as `YYYY-MM-DD HH:MM:SS.mmm` text.
const ZONELESS = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)$/;

function text(value: unknown): string {
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}

/** ms-precision UTC ISO 8601: PostgreSQL keeps µs, MySQL datetime(3) ms, SQLite what it is given. */
function timestamp(value: unknown): string {
  let date: Date;
  if (value instanceof Date) date = value;
  else if (typeof value === 'number' || typeof value === 'bigint') date = new Date(Number(value));
  else {
    const s = text(value);
    const zoneless = ZONELESS.exec(s);
    if (zoneless) date = new Date(`${zoneless[1]}T${zoneless[2]}Z`);
    else if (/^-?\d+$/.test(s)) date = new Date(Number(s));
    else date = new Date(s);
  }
  const ms = date.getTime();
  // An unreadable value still hashes (to something no valid row produces) instead of throwing.
  return Number.isNaN(ms) ? `invalid:${text(value)}` : isoTimestamp(Math.trunc(ms));
}

function integer(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  const s = text(value).trim();
  try {
    return BigInt(s).toString();
  } catch {
    return `invalid:${s}`;
  }
}

/**
 * 15 significant digits: a double-precision column read back over a text protocol may come with
 * 15 to 17 digits depending on the server, so the last two are not part of what is verified.
 */
function float(value: unknown): string {
  const n = Number(typeof value === 'number' ? value : text(value));
  if (!Number.isFinite(n)) return `invalid:${text(value)}`;
  return String(Number(n.toPrecision(15)));
}

/** The value as bound into the INSERT (JSON columns: JSON text). */
export function canonicalBound(kind: ValueKind, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (kind === 'json') {
    if (typeof value !== 'string') return canonicalJson(value);
    try {
      return canonicalJson(JSON.parse(value));
    } catch {
      return `invalid:${value}`;
    }
  }
  return canonicalScalar(kind, value);
}

/** The value as the driver returned it (JSON columns: parsed, or text, depending on the driver). */
export function canonicalRead(kind: ValueKind, value: unknown, traits: DialectTraits): string | null {
  if (value === null || value === undefined) return null;
  if (kind === 'json') return canonicalJson(fromDbJson(value, traits));
  return canonicalScalar(kind, value);
}

function canonicalScalar(kind: Exclude<ValueKind, 'json'>, value: unknown): string {
  // The values a writer binds, answered without the general conversions below (same text): every
  // row of a chain goes through here about twenty times.
  if (typeof value === 'string' && kind === 'string') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) {
    if (kind === 'int') return String(value);
    if (kind === 'timestamp' && Math.abs(value) <= 8.64e15) return isoTimestamp(value);
  }
  switch (kind) {
    case 'string':
      // Only a JSON column comes back as an object; hash it as the JSON text it was bound as.
      return value !== null && typeof value === 'object' && !Buffer.isBuffer(value) && !(value instanceof Date)
        ? canonicalJson(value)
        : text(value);
    case 'int':
      return integer(value);
    case 'float':
      return float(value);
    case 'bool':
      return fromDbBoolean(value) ? 'true' : 'false';
    case 'timestamp':
      return timestamp(value);
  }
}
