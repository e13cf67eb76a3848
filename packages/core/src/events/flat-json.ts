import type { JsonObject } from './types.js';

/**
 * The common shape of event content and permission metadata (a status, an amount, request_id,
 * url…): a plain object whose own values are only strings, booleans, null and finite numbers.
 * toJsonSafe would copy it unchanged, so a caller that copies it anyway (the masker does) can
 * skip that copy. Anything else (nested values, Dates, class instances, undefined) is false and
 * takes the full path.
 */
export function isFlatJsonObject(value: unknown): value is JsonObject {
  if (value === null || typeof value !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  // A class instance may have a toJSON() or getters on its prototype: toJsonSafe's business.
  if (proto !== Object.prototype && proto !== null) return false;
  const record = value as Record<string, unknown>;
  for (const key in record) {
    if (!Object.prototype.hasOwnProperty.call(record, key)) return false;
    const v = record[key];
    if (v === null || typeof v === 'string' || typeof v === 'boolean') continue;
    if (typeof v === 'number' && Number.isFinite(v)) continue;
    return false;
  }
  return true;
}
