import { ConfigurationError } from '../errors.js';

/**
 * The spelling an attribute name is compared by. SQLite and MySQL/MariaDB match column names
 * case-insensitively, so `{ "Budget": 1 }` lands in `budget` and must meet budget's gate.
 * NFKC folds width variants (ｂｕｄｇｅｔ); upper- then lower-casing also folds ß/ſ/ı-style letters.
 * Folding more than a database does can only put a gate on more names, never take one away.
 */
export function foldAttributeName(name: string): string {
  return name.normalize('NFKC').toUpperCase().toLowerCase();
}

/** `entries` keyed by folded name; two names for one attribute in a definition are an error. */
export function foldedMap<T>(entries: Iterable<readonly [string, T]>, setting: string): Map<string, T> {
  const map = new Map<string, T>();
  const spelled = new Map<string, string>();
  for (const [name, value] of entries) {
    const folded = foldAttributeName(name);
    const earlier = spelled.get(folded);
    if (earlier !== undefined) {
      throw new ConfigurationError(`${setting}.${name}`, `names the same attribute as ${JSON.stringify(earlier)} (names are compared case-insensitively)`);
    }
    spelled.set(folded, name);
    map.set(folded, value);
  }
  return map;
}

/** The first two keys of a request that name one attribute (`budget` and `Budget`), or null. */
export function ambiguousKeys(keys: readonly string[]): [string, string] | null {
  const seen = new Map<string, string>();
  for (const key of keys) {
    const folded = foldAttributeName(key);
    const earlier = seen.get(folded);
    if (earlier !== undefined) return [earlier, key];
    seen.set(folded, key);
  }
  return null;
}
