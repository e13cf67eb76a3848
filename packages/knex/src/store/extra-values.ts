import { type DialectName, type DialectTraits } from '../sql/dialect.js';
import {
  fromDbBigint,
  fromDbBoolean,
  fromDbJson,
  fromDbTimestamp,
  toDbBoolean,
  toDbJson,
  toDbString,
  toDbTimestamp,
} from '../sql/values.js';
import type { ResolvedExtraColumn } from '../schema/schema-options.js';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const BIGINT_MIN = -(2n ** 63n);
const BIGINT_MAX = 2n ** 63n - 1n;

/**
 * Converts `event.extra[name]` for its column, or returns an error message. Checking here, per
 * event, keeps one bad value from failing the database statement that carries a whole batch.
 */
export function extraToDb(
  value: unknown,
  column: ResolvedExtraColumn,
  dialect: DialectName,
): { value: unknown } | { error: string } {
  if (value === undefined || value === null) {
    return column.nullable ? { value: null } : { error: 'is required (the column is not nullable)' };
  }
  switch (column.type) {
    case 'string':
    case 'text': {
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'bigint') {
        return { error: 'must be a string' };
      }
      const text = String(value);
      if (column.type === 'string' && text.length > 255) return { error: 'is longer than 255 characters' };
      return { value: toDbString(text, dialect) };
    }
    case 'integer':
      return Number.isInteger(value) && (value as number) >= INT32_MIN && (value as number) <= INT32_MAX
        ? { value }
        : { error: 'must be a 32-bit integer' };
    case 'bigint': {
      let big: bigint;
      try {
        if (typeof value === 'number' && !Number.isSafeInteger(value)) return { error: 'must be an exact integer' };
        if (typeof value !== 'number' && typeof value !== 'bigint' && typeof value !== 'string') {
          return { error: 'must be an integer' };
        }
        big = BigInt(value);
      } catch {
        return { error: 'must be an integer' };
      }
      return big >= BIGINT_MIN && big <= BIGINT_MAX ? { value: big.toString() } : { error: 'is out of 64-bit range' };
    }
    case 'float':
      return typeof value === 'number' && Number.isFinite(value) ? { value } : { error: 'must be a finite number' };
    case 'boolean':
      return typeof value === 'boolean' ? { value: toDbBoolean(value, dialect) } : { error: 'must be a boolean' };
    case 'timestamp': {
      const date =
        value instanceof Date ? value : typeof value === 'string' || typeof value === 'number' ? new Date(value) : null;
      if (!date || Number.isNaN(date.getTime())) return { error: 'must be a Date or a date string' };
      return { value: toDbTimestamp(date, dialect) };
    }
    case 'json':
      try {
        return { value: toDbJson(value, dialect) };
      } catch (err) {
        return { error: `cannot be stored as JSON (${(err as Error).message})` };
      }
  }
}

/** The JS value of an extra column as read back. */
export function extraFromDb(value: unknown, column: ResolvedExtraColumn, traits: DialectTraits): unknown {
  if (value === null || value === undefined) return null;
  switch (column.type) {
    case 'boolean':
      return fromDbBoolean(value);
    case 'bigint':
      return fromDbBigint(value);
    case 'integer':
    case 'float':
      return Number(value);
    case 'timestamp':
      return fromDbTimestamp(value);
    case 'json':
      return fromDbJson(value, traits);
    default:
      return Buffer.isBuffer(value) ? value.toString('utf8') : value;
  }
}
