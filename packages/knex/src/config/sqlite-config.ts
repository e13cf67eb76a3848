import type { Knex } from 'knex';
import { ConfigurationError } from '@audit-events/core';

/** How long a SQLite connection waits for another writer's lock before SQLITE_BUSY, in ms. */
export const DEFAULT_SQLITE_BUSY_TIMEOUT_MS = 5000;

export type SqliteKnexOverrides = Partial<Knex.Config> & {
  /** Default 5000 ms. */
  busyTimeoutMs?: number;
};

interface SqliteConnection {
  run(sql: string, callback: (err: Error | null) => void): void;
}

type AfterCreate = (conn: unknown, done: (err: Error | null, conn: unknown) => void) => void;

/**
 * Knex configuration for the embedded default: a SQLite file through `sqlite3`, with every new
 * connection set to WAL (readers never block the writer), a busy timeout (a second writer, e.g.
 * another process or knex instance on the same file, waits instead of failing with SQLITE_BUSY)
 * and foreign keys on. `synchronous` stays FULL: save() promises durability.
 * `overrides` are merged over the defaults; a `pool.afterCreate` of yours runs after the pragmas.
 */
export function sqliteKnexConfig(filename: string, overrides: SqliteKnexOverrides = {}): Knex.Config {
  if (typeof filename !== 'string' || filename.length === 0) {
    throw new ConfigurationError('filename', 'must be a non-empty path (or ":memory:")');
  }
  const { busyTimeoutMs = DEFAULT_SQLITE_BUSY_TIMEOUT_MS, pool, connection, ...rest } = overrides;
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new ConfigurationError('busyTimeoutMs', 'must be an integer >= 0');
  }
  const userAfterCreate = (pool as { afterCreate?: AfterCreate } | undefined)?.afterCreate;
  const pragmas = [
    // First, so that switching to WAL itself waits for a concurrent opener.
    `PRAGMA busy_timeout = ${busyTimeoutMs}`,
    'PRAGMA journal_mode = WAL',
    'PRAGMA foreign_keys = ON',
  ];
  const afterCreate: AfterCreate = (conn, done) => {
    const db = conn as SqliteConnection;
    const next = (i: number): void => {
      if (i === pragmas.length) {
        if (userAfterCreate) userAfterCreate(conn, done);
        else done(null, conn);
        return;
      }
      db.run(pragmas[i] as string, (err) => (err ? done(err, conn) : next(i + 1)));
    };
    next(0);
  };
  return {
    client: 'sqlite3',
    useNullAsDefault: true,
    ...rest,
    connection: { filename, ...(connection !== null && typeof connection === 'object' ? connection : {}) },
    // One connection: SQLite has one writer per file anyway, and a single connection means the
    // process never deadlocks against itself on the write lock.
    pool: { min: 1, max: 1, ...(pool ?? {}), afterCreate },
  } as Knex.Config;
}
