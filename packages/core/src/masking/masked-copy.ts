import { NotJsonSerializableError } from '../errors.js';
import { setKey, toJsonSafe } from '../events/json-safe.js';
import type { JsonValue } from '../events/types.js';
import type { FieldMasker } from './mask.js';
import { isSecretValue } from './secret-values.js';
import { MASK } from './marker.js';

/**
 * Deepest nesting kept (the root object or array is level 1). MariaDB rejects JSON documents
 * whose JSON_DEPTH (which counts scalars as a level) is above 32, so 31 nested objects or arrays
 * is the most it stores; clamping on every dialect keeps what is stored the same everywhere and
 * the event storable. Deeper subtrees are replaced by TOO_DEEP.
 */
export const MAX_JSON_DEPTH = 31;
export const TOO_DEEP = '[nested deeper than 31 levels]';

/** Name/value pair shapes: `{ name|key|field|param: 'password', value|val|values: '…' }`. */
const PAIR_VALUE_KEYS = ['value', 'val', 'values'];
/** A pair's name longer than this is prose (`{ name: 'A long product title', value: 3 }`), not a field name. */
const MAX_PAIR_NAME = 64;

export interface MaskedCopy {
  value: JsonValue;
  /** The byte budget ran out: `value` holds only the beginning of the data. */
  stopped: boolean;
  /** Lower bound of the masked JSON's size in bytes, counted up to where the walk stopped. */
  bytesSeen: number;
}

/** The key rules a walk applies: a FieldMasker's, or none (a copy that masks nothing). */
interface KeyRules {
  isSensitive(key: string): boolean;
  isSensitiveChild(parent: string | null, key: string): boolean;
}

const NO_RULES: KeyRules = { isSensitive: () => false, isSensitiveChild: () => false };

export interface MaskedCopyOptions {
  /**
   * Stands in for each masked value instead of MASK, given the raw value: change events diff two
   * masked copies and must still see that a password changed. The caller replaces it by MASK
   * before anything is stored.
   */
  placeholder?: (raw: unknown) => string;
  /** What errors call the value (NotJsonSerializableError's path); default `value`. */
  path?: string;
}

/**
 * Copies `raw` into masked JSON in one walk (`masker` null: the same JSON-safe, depth-clamped,
 * budgeted copy with nothing masked, for content stored with maskContent false). It counts (a lower
 * bound of) the JSON bytes produced
 * and stops once `maxBytes` is passed, so a huge body costs no more than the limit; what was
 * built so far is a true prefix of the whole, from which a preview is taken. Non-plain objects
 * (Date, Map, toJSON…) go through toJsonSafe first; functions, symbols and cycles throw
 * NotJsonSerializableError as toJsonSafe does.
 */
export function maskedCopy(
  raw: unknown,
  masker: FieldMasker | null,
  maxBytes = Number.POSITIVE_INFINITY,
  checkCycles = true,
  options?: MaskedCopyOptions,
): MaskedCopy {
  const walk = new Walk(masker ?? NO_RULES, masker !== null, maxBytes, checkCycles, options?.placeholder ?? null);
  const value = walk.copy(raw, null, 1, options?.path ?? 'value');
  return { value, stopped: walk.stopped, bytesSeen: walk.bytes };
}

class Walk {
  bytes = 0;
  stopped = false;
  readonly #masker: KeyRules;
  readonly #secretValues: boolean;
  readonly #maxBytes: number;
  readonly #open: Set<object> | null;
  readonly #placeholder: ((raw: unknown) => string) | null;

  constructor(
    masker: KeyRules,
    secretValues: boolean,
    maxBytes: number,
    checkCycles: boolean,
    placeholder: ((raw: unknown) => string) | null,
  ) {
    this.#masker = masker;
    this.#secretValues = secretValues;
    this.#maxBytes = maxBytes;
    this.#open = checkCycles ? new Set<object>() : null;
    this.#placeholder = placeholder;
  }

  #spend(n: number): void {
    this.bytes += n;
    if (this.bytes > this.#maxBytes) this.stopped = true;
  }

  /** A leaf: masked if it looks like a secret, whatever its key. */
  #leaf(value: unknown): JsonValue {
    switch (typeof value) {
      case 'string':
        if (this.#secretValues && isSecretValue(value)) return this.#masked(value);
        this.#spend(value.length + 3);
        return value;
      case 'number':
        if (!Number.isFinite(value)) {
          this.#spend(5);
          return null;
        }
        if (this.#secretValues && isSecretValue(value)) return this.#masked(value);
        this.#spend(2);
        return value;
      case 'boolean':
        this.#spend(5);
        return value;
      case 'undefined':
        this.#spend(5);
        return null;
      default:
        // bigint, function, symbol: converted or rejected exactly as toJsonSafe does.
        return this.#leaf(toJsonSafe(value));
    }
  }

  #masked(raw: unknown): JsonValue {
    const mark = this.#placeholder === null ? MASK : this.#placeholder(raw);
    this.#spend(mark.length + 3);
    return mark;
  }

  copy(value: unknown, parent: string | null, depth: number, path: string): JsonValue {
    if (value === null) {
      this.#spend(5);
      return null;
    }
    if (typeof value !== 'object') return this.#leaf(value);
    if (depth > MAX_JSON_DEPTH) {
      this.#spend(TOO_DEEP.length + 3);
      return TOO_DEEP;
    }
    if (!Array.isArray(value) && !isPlainObject(value)) {
      // Dates, Maps, Sets, Buffers, toJSON(): their JSON form, then the same walk.
      const converted = toJsonSafe(value, path);
      return converted !== null && typeof converted === 'object'
        ? this.#container(converted, parent, depth, path)
        : this.#leaf(converted);
    }
    return this.#container(value, parent, depth, path);
  }

  #container(value: object, parent: string | null, depth: number, path: string): JsonValue {
    this.#spend(2);
    const open = this.#open;
    if (open === null) return this.#children(value, parent, depth, path);
    if (open.has(value)) throw new NotJsonSerializableError(path, 'circular reference');
    open.add(value);
    try {
      return this.#children(value, parent, depth, path);
    } finally {
      open.delete(value);
    }
  }

  #children(value: object, parent: string | null, depth: number, path: string): JsonValue {
    return Array.isArray(value)
      ? this.#array(value, parent, depth, path)
      : this.#object(value as Record<string, unknown>, parent, depth, path);
  }

  #array(value: readonly unknown[], parent: string | null, depth: number, path: string): JsonValue[] {
    const out: JsonValue[] = [];
    for (let i = 0; i < value.length && !this.stopped; i++) {
      const item = value[i];
      this.#spend(1);
      if (Array.isArray(item) && item.length >= 2 && this.#isPairName(item[0])) {
        // `[["password", "…"]]`: a name/value pair list (URLSearchParams entries, form libraries).
        out.push(this.#maskedPair(item as unknown[]));
      } else {
        out.push(this.copy(item, parent, depth + 1, path));
      }
    }
    return out;
  }

  #maskedPair(pair: readonly unknown[]): JsonValue[] {
    const name = pair[0] as string;
    this.#spend(name.length + 4);
    const out: JsonValue[] = [name];
    for (let i = 1; i < pair.length; i++) out.push(this.#masked(pair[i]));
    return out;
  }

  #isPairName(name: unknown): boolean {
    return typeof name === 'string' && name.length <= MAX_PAIR_NAME && this.#masker.isSensitive(name);
  }

  #object(value: Record<string, unknown>, parent: string | null, depth: number, path: string): JsonValue {
    const out: { [key: string]: JsonValue } = {};
    const masker = this.#masker;
    // `{ name: 'password', value: '…' }`: noted while copying (no extra lookups per object), its
    // value keys masked afterwards if the name is sensitive.
    let pairName: string | undefined;
    for (const key of Object.keys(value)) {
      if (this.stopped) break;
      const child = value[key];
      if (child === undefined) continue;
      this.#spend(key.length + 4);
      if (
        pairName === undefined &&
        typeof child === 'string' &&
        (key === 'name' || key === 'key' || key === 'field' || key === 'param')
      )
        pairName = child;
      // A flag or a null under a sensitive key (`password_changed: true`) holds no secret, and the
      // audit trail needs it.
      const keep = child === null || typeof child === 'boolean' || !masker.isSensitiveChild(parent, key);
      setKey(out, key, keep ? this.copy(child, key, depth + 1, path) : this.#masked(child));
    }
    if (pairName !== undefined && this.#isPairName(pairName)) {
      for (const key of PAIR_VALUE_KEYS)
        if (Object.prototype.hasOwnProperty.call(out, key)) out[key] = this.#masked(value[key]);
    }
    return out;
  }
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  return typeof (value as { toJSON?: unknown }).toJSON !== 'function';
}
