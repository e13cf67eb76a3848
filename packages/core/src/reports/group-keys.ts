import { InvalidQueryError } from '../errors.js';
import type { Tally, TallyColumn } from './tally.js';

/**
 * What a count report groups by. `attribute` gives one row per attribute: a decision about
 * several attributes counts once under each (general_manager emits one event per attribute, so
 * this is rare), and an operation-level decision (no attributes) counts under attribute null.
 * `user` groups by the pair (user_id, user_repr); anonymous decisions have both null.
 */
export type GroupKey = 'manager' | 'attribute' | 'action' | 'user' | 'tenant';

export const GROUP_KEYS: readonly GroupKey[] = Object.freeze(['manager', 'attribute', 'action', 'user', 'tenant']);

/** Spellings accepted for a key (`attributes` is how the issue and the log field name it). */
const ALIASES: Readonly<Record<string, GroupKey>> = {
  manager: 'manager',
  attribute: 'attribute',
  attributes: 'attribute',
  action: 'action',
  user: 'user',
  tenant: 'tenant',
  tenant_id: 'tenant',
};

/** One row of a grouped count: the key fields grouped by, then the counts. */
export interface GroupRow {
  manager?: string | null;
  attribute?: string | null;
  action?: string;
  user_id?: string | null;
  user_repr?: string | null;
  /** The decision's tenant (`tenant_id` in the log); null for decisions outside any tenant. */
  tenant_id?: string | null;
  count: number;
  /** First and last decision of the group, ISO 8601 UTC. */
  first_at: string;
  last_at: string;
}

/** Validates `by` (keys or their aliases, no repeats, at least one). */
export function checkGroupKeys(by: readonly string[] | undefined, fallback: readonly GroupKey[]): GroupKey[] {
  if (by === undefined) return [...fallback];
  if (!Array.isArray(by) || by.length === 0) {
    throw new InvalidQueryError(`by must list at least one of ${GROUP_KEYS.join(', ')}`);
  }
  const keys: GroupKey[] = [];
  for (const name of by) {
    const key = typeof name === 'string' ? ALIASES[name.trim().toLowerCase()] : undefined;
    if (key === undefined) {
      throw new InvalidQueryError(`cannot group by ${JSON.stringify(String(name))}: use ${GROUP_KEYS.join(', ')}`);
    }
    if (keys.includes(key)) throw new InvalidQueryError(`${key} is listed twice in by`);
    keys.push(key);
  }
  return keys;
}

/** The tally columns a set of group keys needs from the back end. */
export function columnsFor(keys: readonly GroupKey[]): TallyColumn[] {
  const columns: TallyColumn[] = [];
  for (const key of keys) {
    if (key === 'attribute') columns.push('attributes');
    else if (key === 'user') columns.push('user_id', 'user_repr');
    else if (key === 'tenant') columns.push('tenant_id');
    else columns.push(key);
  }
  return columns;
}

/**
 * The key values of the rows a tally contributes to: one per attribute when grouping by
 * attribute (an empty list gives one row with attribute null), else exactly one.
 */
export function rowKeysOf(tally: Tally, keys: readonly GroupKey[]): Array<Partial<GroupRow>> {
  const attributes: ReadonlyArray<string | null> = keys.includes('attribute') ? attributesOf(tally) : [null];
  return attributes.map((attribute) => {
    // Fields in the order of `keys`, so table, CSV and JSON columns follow the --by order.
    const row: Partial<GroupRow> = {};
    for (const key of keys) {
      if (key === 'manager') row.manager = tally.manager ?? null;
      else if (key === 'action') row.action = tally.action ?? '';
      else if (key === 'attribute') row.attribute = attribute;
      else if (key === 'tenant') row.tenant_id = tally.tenant_id ?? null;
      else {
        row.user_id = tally.user_id ?? null;
        row.user_repr = tally.user_repr ?? null;
      }
    }
    return row;
  });
}

function attributesOf(tally: Tally): ReadonlyArray<string | null> {
  const list = uniqueAttributes(tally.attributes ?? []);
  return list.length === 0 ? [null] : list;
}

/** A decision naming an attribute twice still counts once for it. */
function uniqueAttributes(list: readonly string[]): readonly string[] {
  return list.length < 2 ? list : [...new Set(list)];
}

/** The fields of a row that identify its group, in key order (for sorting and merging). */
export function keyValues(row: Partial<GroupRow>, keys: readonly GroupKey[]): Array<string | null> {
  const values: Array<string | null> = [];
  for (const key of keys) {
    if (key === 'user') values.push(row.user_id ?? null, row.user_repr ?? null);
    else if (key === 'tenant') values.push(row.tenant_id ?? null);
    else values.push((row[key] as string | null | undefined) ?? null);
  }
  return values;
}

/** null first, then code-unit order: the same on every machine and locale. */
export function compareKeyValues(a: ReadonlyArray<string | null>, b: ReadonlyArray<string | null>): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (x === y) continue;
    if (x === null) return -1;
    if (y === null) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}
