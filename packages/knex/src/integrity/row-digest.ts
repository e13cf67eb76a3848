import { createHash } from 'node:crypto';
import type { RowLayout } from './row-layout.js';

/** Names the serialisation below; a future change of it gets a new tag, never a silent change. */
export const HASH_FORMAT = 'audit-events/chain-v1';

/** prev_hash of the first row of every chain. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * The canonical serialisation of one row: a JSON array of the format tag, then `[name, value]`
 * for each layout column in order (null kept explicitly), then for every other non-null column,
 * sorted by name. Every value is already canonical text (see canonical-value.ts), so
 * JSON.stringify of the array is deterministic. `prev_hash` is one of the layout columns: the
 * hash of a row covers the hash of the row before it.
 */
export function canonicalRow(
  layout: RowLayout,
  fixed: ReadonlyArray<string | null>,
  others: ReadonlyArray<readonly [string, string]>,
): string {
  const parts: unknown[] = [HASH_FORMAT];
  layout.columns.forEach((column, i) => parts.push([column.name, fixed[i] ?? null]));
  for (const pair of others) parts.push(pair);
  return JSON.stringify(parts);
}

/** SHA-256 of the canonical serialisation, as 64 lowercase hex digits. */
export function digest(canonical: string): string {
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

/** Sorts `[name, value]` pairs by name (code unit order, the same in writer and verifier). */
export function sortPairs(pairs: Array<[string, string]>): Array<[string, string]> {
  return pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
