import type { DialectName, DialectTraits } from './dialect.js';

// How values are bound on the way in and read back on the way out, per dialect.

const NEEDS_JSON_CLEANUP = /\\u(0000|d[89a-f])/i;
// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Makes a string storable everywhere: lone UTF-16 surrogates become U+FFFD (no database accepts
 * them as text) and, on PostgreSQL, NUL characters too (its text and jsonb types cannot hold
 * U+0000). Everything else is kept byte for byte.
 */
export function toDbString(value: string, dialect: DialectName): string {
  // isWellFormed() is one native scan; the regex with its lookbehind costs several times more.
  let text = isWellFormed(value) ? value : value.replace(LONE_SURROGATE, '\uFFFD');
  if (dialect === 'postgres' && text.includes('\u0000')) text = text.replaceAll('\u0000', '\uFFFD');
  return text;
}

/** True when `value` has no lone surrogate (String#isWellFormed, in every Node we support). */
function isWellFormed(value: string): boolean {
  return (value as string & { isWellFormed(): boolean }).isWellFormed();
}

function cleanJson(value: unknown, dialect: DialectName): unknown {
  if (typeof value === 'string') return toDbString(value, dialect);
  if (Array.isArray(value)) return value.map((item) => cleanJson(item, dialect));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(out, toDbString(key, dialect), {
        value: cleanJson(item, dialect),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}

/**
 * JSON text for a JSON column (bound as a string on every dialect: pg would turn arrays into SQL
 * arrays). `stringify` is JSON.stringify, or the canonical serialiser when the row is hashed.
 */
export function toDbJson(
  value: unknown,
  dialect: DialectName,
  stringify: (value: unknown) => string = JSON.stringify,
): string | null {
  if (value === undefined || value === null) return null;
  let text = stringify(value);
  // JSON.stringify escapes exactly the characters toDbString replaces, so the slow deep walk runs
  // only when the text shows one of them (or an escaped backslash that looks like one).
  if (NEEDS_JSON_CLEANUP.test(text)) text = stringify(cleanJson(value, dialect));
  return text;
}

/** SQLite keeps instants as integer milliseconds (what node-sqlite3 binds a Date as, so plain knex
 *  queries with Dates still compare correctly); MySQL and PostgreSQL get the Date itself. */
export function toDbTimestamp(date: Date, dialect: DialectName): Date | number {
  return dialect === 'sqlite' ? date.getTime() : date;
}

export function toDbBoolean(value: boolean, dialect: DialectName): boolean | number {
  return dialect === 'sqlite' ? (value ? 1 : 0) : value;
}

export function fromDbTimestamp(value: unknown): Date {
  if (value instanceof Date) return value;
  if (typeof value === 'number' || typeof value === 'bigint') return new Date(Number(value));
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return new Date(Number(value));
  return new Date(String(value));
}

/**
 * A JSON column's value as a JS value. Drivers that parse JSON return JSON strings as JS strings;
 * the others return the JSON text, which is parsed here (a malformed text written by someone else
 * is returned as it is rather than failing the whole read).
 */
export function fromDbJson(value: unknown, traits: DialectTraits): unknown {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) value = value.toString('utf8');
  if (typeof value !== 'string' || traits.driverParsesJson) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

export function fromDbBoolean(value: unknown): boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value === '1' || value.toLowerCase() === 'true';
  return Boolean(Number(value));
}

/** 64-bit integers come back as strings from pg: numbers when exact, strings otherwise. */
export function fromDbBigint(value: unknown): number | string | null {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : String(value);
}
