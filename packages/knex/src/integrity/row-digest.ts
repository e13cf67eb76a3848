import { createHmac, hash, type KeyObject } from 'node:crypto';
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
  // Written out piece by piece: byte for byte JSON.stringify of the array above (no whitespace,
  // each string as JSON.stringify writes it) without building ~20 small arrays per row.
  const heads = columnHeads(layout);
  let out = FORMAT_HEAD;
  for (let i = 0; i < heads.length; i++) {
    const value = fixed[i];
    out += heads[i]! + (value === null || value === undefined ? 'null' : JSON.stringify(value)) + ']';
  }
  for (const [name, value] of others) out += `,[${JSON.stringify(name)},${JSON.stringify(value)}]`;
  return `${out}]`;
}

const FORMAT_HEAD = `[${JSON.stringify(HASH_FORMAT)}`;
const headsByLayout = new WeakMap<RowLayout, string[]>();

/** `,["name",` for each layout column, worked out once per layout. */
function columnHeads(layout: RowLayout): string[] {
  let heads = headsByLayout.get(layout);
  if (heads === undefined) {
    heads = layout.columns.map((column) => `,[${JSON.stringify(column.name)},`);
    headsByLayout.set(layout, heads);
  }
  return heads;
}

/** SHA-256 of the canonical serialisation, as 64 lowercase hex digits. */
export function digest(canonical: string): string {
  // crypto.hash() (in every Node the engines field allows): one native call, no Hash object per row.
  return hash('sha256', canonical, 'hex');
}

/**
 * HMAC-SHA256 of the canonical serialisation under a writer key, as 64 lowercase hex digits: the
 * link of a keyed row. The serialisation includes the row's key_id, so a row cannot be
 * re-attributed to another key.
 */
export function keyedDigest(canonical: string, secret: KeyObject): string {
  return createHmac('sha256', secret).update(canonical, 'utf8').digest('hex');
}

/** Sorts `[name, value]` pairs by name (code unit order, the same in writer and verifier). */
export function sortPairs(pairs: Array<[string, string]>): Array<[string, string]> {
  return pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
