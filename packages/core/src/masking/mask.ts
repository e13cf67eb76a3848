import { setKey } from '../events/json-safe.js';
import type { JsonValue } from '../events/types.js';

/** The value that replaces a masked field; the key is kept so auditors see the field was sent. */
export const MASK = '********';

/**
 * Default sensitive names. Keys are compared in normalised form (lower case, letters and digits
 * only: `API-Key`, `api_key` and `apiKey` all become `apikey`). A name of five characters or more
 * masks every key that contains it (`new_password`, `csrfToken`); a shorter one (`pin`, `cvv`) only
 * the key that equals it, so `shipping` or `classname` stay readable.
 */
export const DEFAULT_MASKED_FIELDS: readonly string[] = Object.freeze([
  'password',
  'passwd',
  'pwd',
  'secret',
  'token',
  'apikey',
  'authorization',
  'auth',
  'cookie',
  'session',
  'creditcard',
  'cardnumber',
  'ccnumber',
  'cvv',
  'cvc',
  'pin',
  'ssn',
  'privatekey',
  'signature',
  'otp',
]);

/** Headers whose values are always masked, even when listed in includeHeaders. */
export const ALWAYS_MASKED_HEADERS: readonly string[] = Object.freeze([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
]);

export function normalizeFieldName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** A compiled, reusable matcher: cheap to call for every key of every request. */
export class FieldMasker {
  private readonly needles: string[];
  private readonly exact: Set<string>;
  private readonly cache = new Map<string, boolean>();

  constructor(fields: readonly string[] = DEFAULT_MASKED_FIELDS) {
    const names = [...new Set(fields.map(normalizeFieldName).filter((f) => f.length > 0))];
    this.needles = names.filter((n) => n.length >= 5);
    this.exact = new Set(names.filter((n) => n.length < 5));
  }

  isSensitive(key: string): boolean {
    let hit = this.cache.get(key);
    if (hit === undefined) {
      const normalized = normalizeFieldName(key);
      hit = this.exact.has(normalized) || this.needles.some((needle) => normalized.includes(needle));
      if (this.cache.size < 10_000) this.cache.set(key, hit);
    }
    return hit;
  }

  /** Returns a masked copy of JSON data at any depth; input is never modified. */
  mask(value: JsonValue): JsonValue {
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((item) => this.mask(item));
    const out: { [key: string]: JsonValue } = {};
    for (const key of Object.keys(value)) {
      const v = value[key] as JsonValue;
      setKey(out, key, this.isSensitive(key) ? MASK : this.mask(v));
    }
    return out;
  }
}
