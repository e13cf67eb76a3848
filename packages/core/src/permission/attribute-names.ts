import { ConfigurationError } from '../errors.js';

const PLAIN = /^[\w$-]*$/;

/**
 * The spelling an attribute name is compared by: every name an app's `knex(table).update(body)`
 * would write into the same column folds to the same string. SQLite and MySQL/MariaDB match column
 * names case-insensitively (`Budget` lands in budget); knex trims identifiers on every dialect
 * (` budget`) and reads `projects.budget` as table.column (MySQL then writes budget). So: NFKC
 * (width variants, ｂｕｄｇｅｔ), the part after the last dot, trimmed, upper- then lower-cased
 * (ß/ſ/ı-style letters too). Folding more than a database does can only put a gate on more
 * names, never take one away.
 */
export function foldAttributeName(name: string): string {
  // The common case, plain ASCII identifiers: NFKC, dots and trimming change nothing.
  if (PLAIN.test(name)) return name.toLowerCase();
  const normal = name.normalize('NFKC');
  return normal
    .slice(normal.lastIndexOf('.') + 1)
    .trim()
    .toUpperCase()
    .toLowerCase();
}

/** `entries` keyed by folded name; two names for one attribute in a definition are an error. */
export function foldedMap<T>(entries: Iterable<readonly [string, T]>, setting: string): Map<string, T> {
  const map = new Map<string, T>();
  const spelled = new Map<string, string>();
  for (const [name, value] of entries) {
    const folded = foldAttributeName(name);
    const earlier = spelled.get(folded);
    if (earlier !== undefined) {
      throw new ConfigurationError(
        `${setting}.${name}`,
        `names the same attribute as ${JSON.stringify(earlier)} (names are compared case-insensitively)`,
      );
    }
    spelled.set(folded, name);
    map.set(folded, value);
  }
  return map;
}

/** The first two keys of a request that name one attribute (`budget` and `Budget`), or null. */
export function ambiguousKeys(keys: readonly string[]): [string, string] | null {
  if (keys.length < 2) return null;
  const seen = new Set<string>();
  for (const key of keys) {
    const folded = foldAttributeName(key);
    if (seen.has(folded)) return [keys.find((earlier) => foldAttributeName(earlier) === folded)!, key];
    seen.add(folded);
  }
  return null;
}
