import { canonicalBound, type ValueKind } from './canonical-value.js';
import { byColumnName, canonicalRow, digest, GENESIS_HASH, keyedDigest } from './row-digest.js';
import type { ResolvedKey } from './keys/chain-key.js';
import { kindOfValue, type RowLayout } from './row-layout.js';

/** The last committed row of a chain: the next row gets `seq + 1` and `prev_hash = hash`. */
export interface ChainPosition {
  seq: number;
  hash: string;
}

/** Before the first row. */
export const GENESIS: ChainPosition = Object.freeze({ seq: 0, hash: GENESIS_HASH });

type Row = Record<string, unknown>;

/** Canonical value of a bound JSON column; the row is rewritten to bind that same text. */
function canonicalJsonColumn(row: Row, name: string, bound: unknown): string | null {
  const value = canonicalBound('json', bound);
  // Stored as canonical text, the value reads back identically where the server keeps JSON as
  // text (SQLite, MariaDB): an auditor can recompute a hash from the raw column.
  if (value !== null && !value.startsWith('invalid:')) row[name] = value;
  return value;
}

/** A column outside the layout, by its place among the row's keys. */
interface OtherColumn {
  name: string;
  at: number;
  /** Its declared kind; undefined: taken from each value (kindOfValue). */
  kind: ValueKind | undefined;
}

/**
 * Where each hashed column sits among a row's keys, worked out once for rows of the same keys in
 * the same order (a batch's rows nearly always are): reading a row is then two builtins
 * (Object.keys, Object.values) instead of a lookup by name per column, and the columns outside
 * the layout come already sorted.
 */
interface RowPlan {
  keys: readonly string[];
  /** For each layout column, its index in the row's values, or -1 when the row lacks it. */
  fixedAt: number[];
  others: OtherColumn[];
}

function planRow(keys: readonly string[], layout: RowLayout, extraKinds: ReadonlyMap<string, ValueKind>): RowPlan {
  const fixedAt = layout.columns.map((column) => keys.indexOf(column.name));
  const others: OtherColumn[] = [];
  keys.forEach((name, at) => {
    if (fixedAt.includes(at) || layout.excluded.has(name)) return;
    others.push({ name, at, kind: extraKinds.get(name) });
  });
  others.sort(byColumnName);
  return { keys, fixedAt, others };
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Fills chain_id, seq, prev_hash and hash of `rows`, in order, continuing from `from`; returns
 * the position after the last row. Pure apart from the rows it stamps: the caller decides when
 * the position becomes the chain's head (only once the rows are committed). With
 * `jsonIsCanonical`, the layout's JSON columns hold canonical text already (the writer built them
 * with canonicalJsonText) and are hashed as they are.
 */
export function stampRows(
  rows: Row[],
  chainId: string,
  from: ChainPosition,
  layout: RowLayout,
  extraKinds: ReadonlyMap<string, ValueKind>,
  key: ResolvedKey | null = null,
  jsonIsCanonical = false,
): ChainPosition {
  const columns = layout.columns;
  let plan: RowPlan | null = null;
  let seq = from.seq;
  let prev = from.hash;
  for (const row of rows) {
    seq++;
    row['chain_id'] = chainId;
    row['seq'] = seq;
    row['prev_hash'] = prev;
    // key_id is hashed like any other non-null column outside the layout: under its own key.
    if (key !== null) row['key_id'] = key.id;
    const keys = Object.keys(row);
    if (plan === null || !sameKeys(plan.keys, keys)) plan = planRow(keys, layout, extraKinds);
    const values = Object.values(row);
    const fixed = new Array<string | null>(columns.length);
    for (let i = 0; i < columns.length; i++) {
      const at = plan.fixedAt[i]!;
      const value = at < 0 ? undefined : values[at];
      const kind = columns[i]!.kind;
      if (kind !== 'json') fixed[i] = canonicalBound(kind, value);
      else if (jsonIsCanonical && (typeof value === 'string' || value === null || value === undefined))
        fixed[i] = value ?? null;
      else fixed[i] = canonicalJsonColumn(row, columns[i]!.name, value);
    }
    const others: Array<[string, string]> = [];
    for (const column of plan.others) {
      const value = values[column.at];
      if (value === null || value === undefined) continue;
      const kind = column.kind ?? kindOfValue(value);
      const canonical = kind === 'json' ? canonicalJsonColumn(row, column.name, value) : canonicalBound(kind, value);
      if (canonical !== null) others.push([column.name, canonical]);
    }
    const canonical = canonicalRow(layout, fixed, others);
    const hash = key === null ? digest(canonical) : keyedDigest(canonical, key.secret);
    row['hash'] = hash;
    prev = hash;
  }
  return { seq, hash: prev };
}
