// Shared helpers for the knex store tests: full events, stores on unique tables, query counting.
import { newEventId } from '@audit-events/core';
import { KnexEventStore } from '@audit-events/knex';
import { uniqueTable } from '../helpers/databases.js';

let seq = 0;

/** A complete event (every field set); `overrides` replace fields. */
export function makeEvent(overrides = {}) {
  seq++;
  return {
    id: newEventId(),
    createdAt: new Date(),
    contentType: 'shop.order',
    objectId: String(seq),
    content: { status: 'paid', total: 12.5, items: [{ sku: 'A-1', qty: 2 }], note: null },
    userId: '42',
    userRepr: 'alice@example.com',
    // The audit model's defaults (what a row without these columns reads back as).
    tenantId: null,
    actorType: overrides.userId === null ? 'anonymous' : 'user',
    action: null,
    outcome: 'success',
    reason: null,
    url: 'https://shop.example.com/orders/1?x=1',
    method: 'POST',
    ip: '203.0.113.7',
    requestId: `req-${seq}`,
    userAgent: 'Mozilla/5.0 (test)',
    queryParams: { x: '1' },
    postData: { status: 'paid', password: '****************' },
    headers: { 'X-Team': 'blue' },
    ...overrides,
  };
}

/** Events `n` of them, with createdAt spread backwards from `from` by `stepMs`. */
export function makeEvents(n, { from = Date.now(), stepMs = 1000, ...overrides } = {}) {
  return Array.from({ length: n }, (_, i) => makeEvent({ createdAt: new Date(from - i * stepMs), ...overrides }));
}

/**
 * A migrated store on fresh tables, dropped after the suite. Call inside a `before`/`it`; `cleanup`
 * collects table names for `dropAll`.
 */
export async function openStore(knex, cleanup, options = {}) {
  const tableName = options.tableName ?? uniqueTable('ae');
  const archiveTableName = options.archiveTableName ?? `${tableName}_arc`;
  cleanup.push(tableName, archiveTableName);
  const store = new KnexEventStore(knex, { ...options, tableName, archiveTableName });
  await store.migrate();
  return store;
}

export async function dropAll(knex, names) {
  if (!knex) return;
  for (const name of names.splice(0)) await knex.schema.dropTableIfExists(name);
}

/** Counts SQL statements run through `knex` whose text matches `pattern`, until `stop()`. */
export function countQueries(knex, pattern) {
  const seen = [];
  const listener = (q) => {
    if (pattern.test(q.sql)) seen.push(q);
  };
  knex.on('query', listener);
  return {
    get count() {
      return seen.length;
    },
    queries: seen,
    stop() {
      knex.removeListener('query', listener);
    },
  };
}

/** `insert into <table>` statements, whatever the quoting. */
export function insertsInto(table) {
  return new RegExp(`^insert into [\`"]?${table}[\`"]? `, 'i');
}

/** Every id in a table. */
export async function idsOf(knex, table) {
  return (await knex(table).select('id')).map((row) => String(row.id));
}

/** An event as find() returns it: what makeEvent gave, with `extra` only when expected. */
export function stored(event) {
  const { extra, ...rest } = event;
  return extra === undefined ? rest : { ...rest, extra };
}
