import { jsonString } from './json-string.js';

/**
 * Deterministic JSON text for hashing, RFC 8785 (JCS) compatible for every JSON value: object keys
 * sorted by UTF-16 code units (what `Array.prototype.sort` does), no whitespace, numbers and
 * strings as JSON.stringify writes them (test/unit/canonical-json.test.js runs the RFC's vectors).
 * Beyond JSON: non-finite numbers become null (JCS rejects them), bigints their digits.
 *
 * Why not the stored text: PostgreSQL's jsonb and MySQL's JSON type re-order keys and re-space the
 * document, so the text read back differs from the text written. Parsing either and writing it
 * again through this function yields the same text on every dialect: key order is fixed here, and
 * numbers survive the round trip because every stored number came from a JS double (jsonb keeps
 * the decimal digits JSON.stringify wrote, which parse back to the same double).
 */
export function canonicalJson(value: unknown): string {
  return write(value, false);
}

/**
 * The canonical text of a value about to be stored, with JSON.stringify's meaning for everything
 * JSON has no word for (toJSON() applied, boxed primitives unboxed, a bigint a TypeError), so a
 * writer can serialise an event once, canonically, instead of stringifying, parsing and
 * canonicalising again: canonicalJson(JSON.parse(canonicalJsonText(v))) === canonicalJsonText(v).
 */
export function canonicalJsonText(value: unknown): string {
  return write(value, true);
}

function write(value: unknown, strict: boolean): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return jsonString(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      // Non-finite numbers are stored as null by JSON.stringify; keep the same meaning here. For
      // finite ones String() writes what JSON.stringify does (-0 as 0 included), without its setup.
      return Number.isFinite(value) ? String(value) : 'null';
    case 'bigint':
      if (strict) throw new TypeError('Do not know how to serialize a BigInt');
      return value.toString();
    case 'object':
      break;
    default:
      return 'null';
  }
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      out += write(value[i], strict);
    }
    return `${out}]`;
  }
  if (value instanceof Date) return JSON.stringify(value);
  if (strict) {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return write(toJSON.call(value, ''), strict);
    if (value instanceof String || value instanceof Number || value instanceof Boolean)
      return write(value.valueOf(), strict);
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  sortKeys(keys);
  let out = '{';
  let first = true;
  for (const key of keys) {
    const item = record[key];
    // JSON.stringify drops undefined members and functions; so does the stored text.
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
    if (!first) out += ',';
    first = false;
    out += quotedKey(key) + ':' + write(item, strict);
  }
  return `${out}}`;
}

/**
 * Sorts keys in code unit order, as keys.sort() does. An object's keys are few and often already
 * in order: an insertion sort does that in one pass and the rest in a few comparisons, where
 * Array#sort's setup costs more than the sorting.
 */
function sortKeys(keys: string[]): void {
  if (keys.length > 16) {
    keys.sort();
    return;
  }
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > key) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = key;
  }
}

/** Keys' JSON text, kept: every event repeats the same few names. Bounded in entries and length. */
const quotedKeys = new Map<string, string>();
const MAX_QUOTED_KEYS = 2048;
const MAX_QUOTED_KEY_LENGTH = 64;

function quotedKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = jsonString(key);
    if (key.length <= MAX_QUOTED_KEY_LENGTH) {
      // Arbitrary keys (a body's) must not grow it: full, it starts again.
      if (quotedKeys.size >= MAX_QUOTED_KEYS) quotedKeys.clear();
      quotedKeys.set(key, quoted);
    }
  }
  return quoted;
}
