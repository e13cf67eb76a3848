import type { DialectName } from './dialect.js';

/**
 * Deepest JSON nesting a dialect stores. MariaDB's JSON check rejects documents of JSON_DEPTH
 * above 32, and counts a scalar as a level: 31 nested objects or arrays is the most it takes (MySQL
 * 8 allows 100); the others have no limit that audit data could reach. Checked per
 * event before it joins a batch, so one deep document never fails the other callers' events.
 */
export function maxJsonDepth(dialect: DialectName): number {
  return dialect === 'mysql' ? 31 : Number.POSITIVE_INFINITY;
}

/** Nesting depth of a JSON value (a scalar is 0, `{}` and `[]` are 1); stops counting past `limit`. */
export function jsonDepth(value: unknown, limit: number): number {
  if (value === null || typeof value !== 'object') return 0;
  if (limit <= 0) return 1;
  let deepest = 0;
  for (const child of Array.isArray(value) ? value : Object.values(value)) {
    const d = jsonDepth(child, limit - 1);
    if (d > deepest) deepest = d;
    if (deepest >= limit) break;
  }
  return deepest + 1;
}

/** A copy of `value` whose subtrees below `limit` levels are replaced by a marker string. */
export function clampJsonDepth(value: unknown, limit: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (limit <= 1) return `[nested deeper than this database stores]`;
  if (Array.isArray(value)) return value.map((item) => clampJsonDepth(item, limit - 1));
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    Object.defineProperty(out, key, {
      value: clampJsonDepth(child, limit - 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
