import type { JsonValue } from '../events/types.js';
import { maskedCopy } from './masked-copy.js';
import { foldKey, normalizeFieldName, normalizeFolded } from './normalize-key.js';

export { normalizeFieldName } from './normalize-key.js';
export { MASK } from './marker.js';

/**
 * Default sensitive names. Keys are compared in normalised form (look-alike characters folded,
 * lower case, letters and digits only: `API-Key`, `api_key`, `apiKey` and `ａｐｉＫｅｙ` all become
 * `apikey`). Three kinds of name:
 * - five characters or more: masks every key that contains it (`new_password`, `csrfToken`);
 * - shorter (`pin`, `cvv`, `pass`): the key that equals it or has it as one of its words
 *   (`card[cvv]`, `card_cvv`, `card.cvv`, `cardCvv`), so `shipping`, `compass` or `passenger`
 *   stay readable;
 * - written `=name` (`=code`): only the whole key, or a whole bracketed/dotted segment of it
 *   (`oauth[code]`), so OAuth's `code` is masked and `code_review` or `zip_code` are not.
 */
export const DEFAULT_MASKED_FIELDS: readonly string[] = Object.freeze([
  'password',
  'passwd',
  'pwd',
  'pass',
  'passphrase',
  'passcode',
  'secret',
  'token',
  'apikey',
  'authorization',
  'auth',
  'bearer',
  'credential',
  'jwt',
  'cookie',
  'session',
  'sid',
  'csrf',
  'xsrf',
  'creditcard',
  'cardnumber',
  'ccnumber',
  'cvv',
  'cvv2',
  'cvc',
  'cvc2',
  'securitycode',
  'pin',
  'iban',
  'accountnumber',
  'ssn',
  'socialsecurity',
  'privatekey',
  'encryptionkey',
  'signingkey',
  'hmac',
  'signature',
  'sig',
  'otp',
  'totp',
  'mfacode',
  'recoverycode',
  '=code',
]);

/**
 * Headers whose values are always masked, even when listed in includeHeaders and whatever the
 * masked field list says: credentials and the identity assertions that authenticating proxies
 * (Google IAP, AWS ALB, Cloudflare Access, Azure App Service, oauth2-proxy) add to requests.
 */
export const ALWAYS_MASKED_HEADERS: readonly string[] = Object.freeze([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-goog-iap-jwt-assertion',
  'x-amzn-oidc-data',
  'x-amzn-oidc-accesstoken',
  'cf-access-jwt-assertion',
  'cf-access-token',
  'x-ms-token-aad-id-token',
  'x-ms-token-aad-access-token',
  'x-ms-token-aad-refresh-token',
  'x-ms-client-principal',
  'x-forwarded-access-token',
  'x-auth-request-access-token',
]);

/** Words that make any header name a credential header: `X-Shopify-Hmac-Sha256`, `X-Foo-Jwt`. */
const ALWAYS_MASKED_HEADER_WORDS = new Set([
  'hmac',
  'jwt',
  'assertion',
  'oidc',
  'token',
  'signature',
  'secret',
  'password',
]);

export function isAlwaysMaskedHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return ALWAYS_MASKED_HEADERS.includes(lower) || lower.split('-').some((word) => ALWAYS_MASKED_HEADER_WORDS.has(word));
}

/** Keys longer than this are treated as sensitive unread: examining a 1 MB key costs ~0.5 s. */
export const MAX_KEY_LENGTH = 256;
const CACHE_SIZE = 10_000;

const SPLIT_WORDS = /[^a-z0-9]+/;
const CAMEL_BOUNDARY = /([a-z0-9])([A-Z])/g;
const SEGMENT_SEPARATORS = /[[\].]+/;
const HAS_SEGMENTS = /[[\].]/;

/**
 * `card[cvv]`, `card_cvv`, `CARD-CVV` → `card`, `cvv`; camelCase is split too (`cardCvv`), and
 * also read whole, so that odd casing (`cvV`) cannot hide a name.
 */
function words(folded: string): string[] {
  const split = (text: string): string[] =>
    text
      .toLowerCase()
      .split(SPLIT_WORDS)
      .filter((word) => word.length > 0);
  return [...split(folded), ...split(folded.replace(CAMEL_BOUNDARY, '$1 $2'))];
}

/** A compiled, reusable matcher: cheap to call for every key of every request. */
export class FieldMasker {
  private readonly needles: string[];
  private readonly exact: Set<string>;
  private readonly wholeKeys: Set<string>;
  private cache = new Map<string, boolean>();

  constructor(fields: readonly string[] = DEFAULT_MASKED_FIELDS) {
    const whole = new Set<string>();
    const names = new Set<string>();
    for (const field of fields) {
      const normalized = normalizeFieldName(field);
      if (normalized.length === 0) continue;
      if (field.startsWith('=')) whole.add(normalized);
      else names.add(normalized);
    }
    this.needles = [...names].filter((n) => n.length >= 5);
    this.exact = new Set([...names].filter((n) => n.length < 5));
    this.wholeKeys = whole;
  }

  isSensitive(key: string): boolean {
    if (typeof key !== 'string') return false;
    if (key.length > MAX_KEY_LENGTH) return true;
    let hit = this.cache.get(key);
    if (hit === undefined) {
      hit = this.#examine(key);
      // Full: start over rather than stop caching, so a flood of random keys cannot disable it.
      if (this.cache.size >= CACHE_SIZE) this.cache = new Map();
      this.cache.set(key, hit);
    }
    return hit;
  }

  /** `{ card: { number } }` is the `card[number]` of a flat query parser: both names count. */
  isSensitiveChild(parent: string | null, key: string): boolean {
    if (this.isSensitive(key)) return true;
    return parent !== null && parent.length + key.length < MAX_KEY_LENGTH && this.isSensitive(`${parent}_${key}`);
  }

  #examine(key: string): boolean {
    const folded = foldKey(key);
    const normalized = normalizeFolded(folded);
    if (this.exact.has(normalized) || this.wholeKeys.has(normalized)) return true;
    for (const needle of this.needles) if (normalized.includes(needle)) return true;
    // Flat query parsers (Express 5, Koa) keep `card[cvv]` as one key: its words count too.
    if (this.exact.size > 0 && words(folded).some((word) => this.exact.has(word))) return true;
    // The whole key was checked above; a bracketed or dotted one (`oauth[code]`) by segment too.
    if (this.wholeKeys.size > 0 && HAS_SEGMENTS.test(folded)) {
      for (const segment of folded.split(SEGMENT_SEPARATORS)) {
        if (this.wholeKeys.has(normalizeFolded(segment))) return true;
      }
    }
    return false;
  }

  /**
   * Returns a masked copy of JSON data; input is never modified. Applies every rule: sensitive
   * keys (with their parent's name), name/value pairs, secret-looking values, and nesting deeper
   * than MAX_JSON_DEPTH replaced by a marker (the most MariaDB stores).
   */
  mask(value: JsonValue): JsonValue {
    // JSON data has no cycles (and the depth clamp bounds the walk anyway): no cycle bookkeeping.
    return maskedCopy(value, this, Number.POSITIVE_INFINITY, false).value;
  }
}
