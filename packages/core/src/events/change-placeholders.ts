import { randomBytes } from 'node:crypto';
import { MASK } from '../masking/marker.js';
import { maskedCopy } from '../masking/masked-copy.js';
import type { JsonValue } from './types.js';

let nonce: string | null = null;
let diffCount = 0;

function processNonce(): string {
  return (nonce ??= randomBytes(12).toString('hex'));
}

/**
 * Stand-ins for masked values while two snapshots of a record are diffed. Masking first would
 * turn a changed password into `MASK` on both sides, and the diff would see no change; so each
 * masked value becomes a placeholder that is equal for equal raw values and different for
 * different ones, and unmask() turns every placeholder into MASK before anything is stored.
 * Raw values live only in this object's map, for the length of one diff.
 *
 * Comparing masked values costs at most `maxBytes` in all (one snapshot's budget): a record with
 * thousands of keys that all hold the same huge secret cannot make it quadratic. Past that, or
 * for a value that cannot be read as JSON, each value gets a placeholder of its own, so the diff
 * records it as changed (masked on both sides): a false "changed", never a missed change.
 */
export class MaskPlaceholders {
  /**
   * NUL + this process's random nonce + a number per diff: no string of the app's data can equal
   * a placeholder by accident or on purpose (placeholders never leave the process). One nonce per
   * process, since drawing random bytes per diff cost a tenth of it.
   */
  readonly #prefix = `\u0000masked:${processNonce()}:${diffCount++}:`;
  readonly #byIdentity = new Map<string, string>();
  readonly #byObject = new WeakMap<object, string>();
  #budget: number;
  #count = 0;

  constructor(maxBytes: number) {
    this.#budget = maxBytes;
  }

  /** For maskedCopy's `placeholder` option: the stand-in for one masked raw value. */
  readonly placeholder = (raw: unknown): string => {
    if (raw !== null && typeof raw === 'object') {
      // The same object under many keys (or on both sides) is read once.
      const known = this.#byObject.get(raw);
      if (known !== undefined) return known;
      const mark = this.#mark(this.#identity(raw));
      this.#byObject.set(raw, mark);
      return mark;
    }
    return this.#mark(this.#identity(raw));
  };

  /** A deep copy of `value` with every placeholder replaced by MASK. */
  unmask(value: JsonValue | undefined): JsonValue {
    if (value === undefined) return null;
    if (typeof value === 'string') return value.startsWith(this.#prefix) ? MASK : value;
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((item) => this.unmask(item));
    const out: { [key: string]: JsonValue } = {};
    for (const key of Object.keys(value)) {
      // defineProperty: a `__proto__` key of the data stays a key, never a prototype.
      Object.defineProperty(out, key, {
        value: this.unmask(value[key]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }

  /** Same identity, same placeholder; null identity: a placeholder of its own. */
  #mark(identity: string | null): string {
    if (identity === null) return `${this.#prefix}u${this.#count++}`;
    let mark = this.#byIdentity.get(identity);
    if (mark === undefined) {
      mark = `${this.#prefix}${this.#count++}`;
      this.#byIdentity.set(identity, mark);
    }
    return mark;
  }

  /** The raw value as comparable text, within what is left of the budget; null past it. */
  #identity(raw: unknown): string | null {
    switch (typeof raw) {
      case 'string':
        return this.#spend(raw.length) ? `s${raw}` : null;
      case 'number':
      case 'boolean':
      case 'bigint':
        return `${typeof raw}:${String(raw)}`;
      case 'undefined':
        return 'null';
      case 'object':
        break;
      default:
        return null; // functions and symbols: not data, never equal to anything
    }
    if (raw === null) return 'null';
    if (this.#budget <= 0) return null;
    try {
      // The same JSON-safe, budgeted copy as the snapshots, unmasked: only ever compared.
      const copy = maskedCopy(raw, null, this.#budget);
      if (copy.stopped || !this.#spend(copy.bytesSeen)) return null;
      return `j${JSON.stringify(copy.value)}`;
    } catch {
      return null; // a cycle or a throwing toJSON() under a masked key: stored masked, as content is
    }
  }

  #spend(bytes: number): boolean {
    if (bytes > this.#budget) {
      this.#budget = 0;
      return false;
    }
    this.#budget -= bytes;
    return true;
  }
}
