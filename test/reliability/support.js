// Reading back what the reliability tests wrote: the rows themselves, straight from the database,
// never through the store's own read path (a bug there must not hide a bug in the write path).
import { expect } from 'chai';

/** JSON columns come back parsed (pg, some mysql2 setups) or as text (SQLite, MariaDB). */
export function json(value) {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) value = value.toString('utf8');
  return typeof value === 'string' ? JSON.parse(value) : value;
}

/** `id` and `request_id` of every row of an event table. */
export async function eventRows(knex, table) {
  return knex(table).select('id', 'request_id');
}

/** Every permission audit row, metadata parsed. */
export async function permissionRows(knex, table) {
  const rows = await knex(table).select('*');
  return rows.map((row) => ({ ...row, metadata: json(row.metadata) }));
}

export async function dropTables(knex, tables) {
  for (const table of tables.splice(0)) await knex.schema.dropTableIfExists(table);
}

/** Asserts `list` has no repeated value and returns it as a Set. */
export function unique(list, what) {
  const set = new Set(list);
  expect(set.size, `duplicate ${what}`).to.equal(list.length);
  return set;
}

/** Asserts two sets hold the same values, naming a few of the differences when they do not. */
export function expectSameSet(actual, expected, what) {
  const missing = [...expected].filter((v) => !actual.has(v));
  const extra = [...actual].filter((v) => !expected.has(v));
  expect(
    { missing: missing.slice(0, 5), missingCount: missing.length, extra: extra.slice(0, 5), extraCount: extra.length },
    what,
  ).to.deep.equal({
    missing: [],
    missingCount: 0,
    extra: [],
    extraCount: 0,
  });
}
