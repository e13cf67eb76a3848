/**
 * Prepared INSERTs kept per SQLite connection. Preparing a batch's INSERT (~290 placeholders)
 * cost as much as running it: ~19k instructions per event on libuv's pool with sqlite3, ~15k on
 * the main thread with better-sqlite3. A batch's SQL depends only on its row count and columns, so
 * under steady load the same few dozen texts repeat; the most recently used ones stay prepared.
 */
const MAX_STATEMENTS = 32;

/** Runs one INSERT on a driver connection of knex's SQLite clients. */
export type SqliteRun = (connection: unknown, sql: string, bindings: unknown[]) => Promise<void>;

interface Sqlite3Statement {
  run(bindings: unknown[], callback: (err: Error | null) => void): unknown;
  finalize(callback?: (err: Error | null) => void): unknown;
}

interface Sqlite3Database {
  prepare(sql: string, callback: (err: Error | null) => void): Sqlite3Statement;
  close(callback?: (err: Error | null) => void): unknown;
}

interface BetterStatement {
  run(bindings: unknown[]): unknown;
}

interface BetterDatabase {
  prepare(sql: string): BetterStatement;
}

/** The statement runner for knex's `driverName`, or null for a driver this file does not know. */
export function sqliteRun(driverName: unknown): SqliteRun | null {
  if (driverName === 'sqlite3') return runSqlite3;
  if (driverName === 'better-sqlite3') return runBetterSqlite3;
  return null;
}

/** Least recently used first (a Map keeps insertion order; a hit is moved to the end). */
function lookup<S>(cache: Map<string, S>, sql: string): S | undefined {
  const statement = cache.get(sql);
  if (statement !== undefined) {
    cache.delete(sql);
    cache.set(sql, statement);
  }
  return statement;
}

/** Adds a statement; returns the one it pushed out, if any. */
function remember<S>(cache: Map<string, S>, sql: string, statement: S): S | undefined {
  cache.set(sql, statement);
  if (cache.size <= MAX_STATEMENTS) return undefined;
  const [oldest, evicted] = cache.entries().next().value as [string, S];
  cache.delete(oldest);
  return evicted;
}

const sqlite3Caches = new WeakMap<Sqlite3Database, Map<string, Promise<Sqlite3Statement>>>();

/**
 * sqlite3 cannot close a database while one of its statements is not finalized (SQLITE_BUSY, and
 * the file stays open): the connection's close() is wrapped, once, to finalize them first, so
 * knex's pool can destroy it whenever it does (knex.destroy(), an evicted connection).
 */
function sqlite3Cache(db: Sqlite3Database): Map<string, Promise<Sqlite3Statement>> {
  const cached = sqlite3Caches.get(db);
  if (cached !== undefined) return cached;
  const statements = new Map<string, Promise<Sqlite3Statement>>();
  sqlite3Caches.set(db, statements);
  const close = db.close;
  db.close = function (this: Sqlite3Database, callback?: (err: Error | null) => void) {
    const pending = [...statements.values()];
    statements.clear();
    void Promise.all(pending.map((p) => p.then(finalize, () => undefined))).then(() => close.call(this, callback));
  };
  return statements;
}

function finalize(statement: Sqlite3Statement): Promise<void> {
  return new Promise((resolve) => statement.finalize(() => resolve()));
}

function prepareSqlite3(db: Sqlite3Database, sql: string): Promise<Sqlite3Statement> {
  // With a callback: a statement that fails to prepare drops whatever was queued on it without
  // calling back, so nothing may be run on it before it is known to be prepared.
  return new Promise((resolve, reject) => {
    const statement = db.prepare(sql, (err) => (err ? reject(err) : resolve(statement)));
  });
}

async function runSqlite3(connection: unknown, sql: string, bindings: unknown[]): Promise<void> {
  const db = connection as Sqlite3Database;
  const cache = sqlite3Cache(db);
  let preparing = lookup(cache, sql);
  if (preparing === undefined) {
    preparing = prepareSqlite3(db, sql);
    const evicted = remember(cache, sql, preparing);
    // Not awaited: the connection is ours until this run resolves, and a statement is finalized
    // only after the runs queued on it.
    evicted?.then(finalize, () => undefined);
    // A text that does not prepare (the table is gone) is not kept: the next batch tries again.
    preparing.catch(() => {
      if (cache.get(sql) === preparing) cache.delete(sql);
    });
  }
  const statement = await preparing;
  await new Promise<void>((resolve, reject) => statement.run(bindings, (err) => (err ? reject(err) : resolve())));
}

const betterCaches = new WeakMap<BetterDatabase, Map<string, BetterStatement>>();

async function runBetterSqlite3(connection: unknown, sql: string, bindings: unknown[]): Promise<void> {
  const db = connection as BetterDatabase;
  let cache = betterCaches.get(db);
  if (cache === undefined) {
    cache = new Map();
    betterCaches.set(db, cache);
  }
  let statement = lookup(cache, sql);
  if (statement === undefined) {
    statement = db.prepare(sql);
    // better-sqlite3 finalizes a statement when it is collected, and all of them on close().
    remember(cache, sql, statement);
  }
  // What knex does for this driver: it binds neither Dates nor booleans.
  statement.run(bindings.map((b) => (b instanceof Date ? b.valueOf() : typeof b === 'boolean' ? Number(b) : b)));
}
