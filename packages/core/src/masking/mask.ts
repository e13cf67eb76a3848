import { setKey } from '../events/json-safe.js';
import type { JsonValue } from '../events/types.js';

/** The value that replaces a masked field; the key is kept so auditors see the field was sent. */
export const MASK = '********';

/**
 * Default sensitive names. Keys are compared in normalised form (lower case, letters and digits
 * only: `API-Key`, `api_key` and `apiKey` all become `apikey`). A name of five characters or more
 * masks every key that contains it (`new_password`, `csrfToken`); a shorter one (`pin`, `cvv`) the
 * key that equals it or has it as one of its words (`card[cvv]`, `card_cvv`, `card.cvv`,
 * `cardCvv`), so `shipping` or `classname` stay readable.
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

/**
 * `card[cvv]`, `card_cvv`, `CARD-CVV` → `card`, `cvv`; camelCase is split too (`cardCvv`), and
 * also read whole, so that odd casing (`cvV`) cannot hide a name.
 */
function words(key: string): string[] {
  const split = (text: string): string[] => text.toLowerCase().split(/[^a-z0-9]+/).filter((word) => word.length > 0);
  return [...split(key), ...split(key.replace(/([a-z0-9])([A-Z])/g, '$1 $2'))];
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
      hit =
        this.exact.has(normalized) ||
        this.needles.some((needle) => normalized.includes(needle)) ||
        // Flat query parsers (Express 5, Koa) keep `card[cvv]` as one key: its words count too.
        (this.exact.size > 0 && words(key).some((word) => this.exact.has(word)));
      if (this.cache.size < 10_000) this.cache.set(key, hit);
    }
    return hit;
  }

  /** Returns a masked copy of JSON data at any depth; input is never modified. */
  mask(value: JsonValue): JsonValue {
    return this.#mask(value, null);
  }

  /**
   * A key is also read together with its parent's: `{ card: { number } }` is the `card[number]`
   * of a flat query parser (Stripe-style forms parsed by qs), and must be masked the same way.
   */
  #mask(value: JsonValue, parent: string | null): JsonValue {
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((item) => this.#mask(item, parent));
    const out: { [key: string]: JsonValue } = {};
    for (const key of Object.keys(value)) {
      const v = value[key] as JsonValue;
      const sensitive = this.isSensitive(key) || (parent !== null && this.isSensitive(`${parent}_${key}`));
      setKey(out, key, sensitive ? MASK : this.#mask(v, key));
    }
    return out;
  }
}
