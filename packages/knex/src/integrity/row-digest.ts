import { createHmac, hash, type KeyObject } from 'node:crypto';
import { jsonString, needsNoEscape } from './json-string.js';
import type { RowLayout } from './row-layout.js';

/** Names the serialisation below; a future change of it gets a new tag, never a silent change. */
export const HASH_FORMAT = 'audit-events/chain-v1';

/** prev_hash of the first row of every chain. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * The order of the columns outside the layout: by name, in UTF-16 code units (not locale order,
 * which varies with the ICU build). Part of the format: the writer and the verifier both sort with it.
 */
export function byColumnName(a: { readonly name: string }, b: { readonly name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

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
  for (let i = 0; i < heads.nulls.length; i++) {
    const value = fixed[i];
    if (value === null || value === undefined) out += heads.nulls[i]!;
    else if (needsNoEscape(value)) out += heads.quoted[i]! + value + '"]';
    else out += heads.open[i]! + JSON.stringify(value) + ']';
  }
  for (const [name, value] of others) out += `,[${jsonString(name)},${jsonString(value)}]`;
  return `${out}]`;
}

const FORMAT_HEAD = `[${JSON.stringify(HASH_FORMAT)}`;

/** Per layout column, the text before its value: `,["name",` (escaped value), `,["name","` (plain one). */
interface ColumnHeads {
  open: string[];
  quoted: string[];
  /** The whole pair for a null value: `,["name",null]`. */
  nulls: string[];
}

const headsByLayout = new WeakMap<RowLayout, ColumnHeads>();

/** Worked out once per layout. */
function columnHeads(layout: RowLayout): ColumnHeads {
  let heads = headsByLayout.get(layout);
  if (heads === undefined) {
    const names = layout.columns.map((column) => JSON.stringify(column.name));
    heads = {
      open: names.map((name) => `,[${name},`),
      quoted: names.map((name) => `,[${name},"`),
      nulls: names.map((name) => `,[${name},null]`),
    };
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
