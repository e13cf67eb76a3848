import type { Knex } from 'knex';
import { sqliteRun } from './sqlite-statements.js';

/**
 * The parts of a knex client a dialect implements (knex's documented extension points for custom
 * clients): a pool connection, and the dialect's own runner for one SQL text with its bindings.
 */
interface DialectClient {
  driverName?: unknown;
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): unknown;
  _query(connection: unknown, query: QueryObject): Promise<unknown>;
  prepBindings(bindings: unknown[]): unknown[];
  positionBindings(sql: string): string;
  emit(event: string, ...args: unknown[]): boolean;
}

interface QueryObject {
  method: string;
  sql: string;
  bindings: unknown[];
  options: Record<string, never>;
}

type KnexWithClient = Knex & { client: Partial<DialectClient>; isTransaction?: boolean };

/** Runs one INSERT on a pool connection; resolves once the statement (autocommitted) is done. */
export type DriverInsert = (sql: string, bindings: unknown[]) => Promise<void>;

const cache = new WeakMap<Knex, DriverInsert | null>();

/**
 * One finished INSERT straight through the dialect's runner (on SQLite, a prepared statement kept
 * per connection): the SQL and bindings are planned by planStatements already, so knex.raw's work
 * for them (scanning a batch's hundreds of `?` with a callback each, building, compiling and
 * running a query object through its runner) is skipped. knex's pool is still the
 * only way to a connection (so the store's writes and every other query of the app queue for it
 * as before), its `query` / `query-response` / `query-error` events are still emitted, and the
 * driver's error reaches the caller as knex would give it, without the SQL prefix.
 *
 * null when the client lacks one of those methods (a knex this code does not know, or a
 * transaction, whose connection knex manages): callers then use knex.raw.
 */
export function driverInsert(knex: Knex): DriverInsert | null {
  let insert = cache.get(knex);
  if (insert === undefined) {
    insert = makeDriverInsert(knex as KnexWithClient);
    cache.set(knex, insert);
  }
  return insert;
}

function makeDriverInsert(knex: KnexWithClient): DriverInsert | null {
  const client = knex.client;
  if (
    knex.isTransaction === true ||
    typeof client.acquireConnection !== 'function' ||
    typeof client.releaseConnection !== 'function' ||
    typeof client._query !== 'function' ||
    typeof client.prepBindings !== 'function' ||
    typeof client.positionBindings !== 'function' ||
    typeof client.emit !== 'function'
  )
    return null;
  const dialect = client as DialectClient;
  // SQLite's drivers run it on a prepared statement kept per connection (sqlite-statements.ts).
  const run = sqliteRun(dialect.driverName);
  // knex forwards its client's events to the instance (and its clones): ask the instance who listens.
  const listened = (event: string): boolean =>
    typeof knex.listenerCount === 'function' && knex.listenerCount(event) > 0;
  return async (sql, bindings) => {
    const query: QueryObject = {
      method: 'insert',
      sql: dialect.positionBindings(sql),
      bindings: dialect.prepBindings(bindings),
      options: {},
    };
    const connection = (await dialect.acquireConnection()) as { __knexUid?: string };
    const ids = { __knexUid: connection.__knexUid, __knexTxId: undefined };
    try {
      if (listened('query')) dialect.emit('query', { ...ids, ...query });
      const response =
        run !== null ? await run(connection, query.sql, query.bindings) : await dialect._query(connection, query);
      if (listened('query-response')) dialect.emit('query-response', response, { ...ids, ...query }, undefined);
    } catch (err) {
      if (listened('query-error')) dialect.emit('query-error', err, { ...ids, ...query });
      throw err;
    } finally {
      await dialect.releaseConnection(connection);
    }
  };
}
