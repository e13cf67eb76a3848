import type { Knex } from 'knex';
import { ConfigurationError } from '@audit-events/core';
import { createPrivateFile, SQLITE_FILE_MODE, warnIfLoose } from './private-file.js';

/** How long a SQLite connection waits for another writer's lock before SQLITE_BUSY, in ms. */
export const DEFAULT_SQLITE_BUSY_TIMEOUT_MS = 5000;

/**
 * The SQLite driver knex loads. `sqlite3` (the default) runs every statement on libuv's thread
 * pool; `better-sqlite3` runs it on the calling thread, which costs about a third less CPU per
 * stored event but blocks the event loop for each commit's fsync and for as long as another
 * process holds the write lock (up to the busy timeout).
 */
export type SqliteDriver = 'sqlite3' | 'better-sqlite3';

export type SqliteKnexOverrides = Partial<Knex.Config> & {
  /** Default 5000 ms. */
  busyTimeoutMs?: number;
  /** Default `sqlite3`; the package must be installed next to knex. */
  driver?: SqliteDriver;
};

/** node-sqlite3's connection: statements take a callback. */
interface CallbackConnection {
  run(sql: string, callback: (err: Error | null) => void): void;
}

/** better-sqlite3's connection: statements run synchronously and throw. */
interface SyncConnection {
  exec(sql: string): unknown;
}

type AfterCreate = (conn: unknown, done: (err: Error | null, conn: unknown) => void) => void;

/** Every SqliteDriver, for callers that validate a driver name of their own (the CLI's URLs). */
export const SQLITE_DRIVERS: readonly SqliteDriver[] = ['sqlite3', 'better-sqlite3'];

function runPragmas(
  driver: SqliteDriver,
  conn: unknown,
  pragmas: readonly string[],
  done: (err: Error | null) => void,
): void {
  if (driver === 'better-sqlite3') {
    try {
      for (const pragma of pragmas) (conn as SyncConnection).exec(pragma);
    } catch (err) {
      done(err as Error);
      return;
    }
    done(null);
    return;
  }
  const db = conn as CallbackConnection;
  const next = (i: number): void => {
    if (i === pragmas.length) done(null);
    else db.run(pragmas[i] as string, (err) => (err ? done(err) : next(i + 1)));
  };
  next(0);
}

/**
 * Knex configuration for the embedded default: a SQLite file through `sqlite3` (or
 * `better-sqlite3`, see SqliteDriver), with every new connection set to WAL (readers never block
 * the writer), a busy timeout (a second writer, e.g. another process or knex instance on the same
 * file, waits instead of failing with SQLITE_BUSY), foreign keys on and `synchronous = FULL` (each
 * commit is fsynced: save() promises durability, whatever default the driver was built with).
 * `overrides` are merged over the defaults; a `pool.afterCreate` of yours runs after the pragmas.
 * The database file is created 0600 right before the first connection opens it (its -wal and -shm
 * files take its mode), whatever the umask; an existing one granting more is reported once
 * (warning AUDIT_FILE_MODE_LOOSE) and left as it is.
 */
export function sqliteKnexConfig(filename: string, overrides: SqliteKnexOverrides = {}): Knex.Config {
  if (typeof filename !== 'string' || filename.length === 0) {
    throw new ConfigurationError('filename', 'must be a non-empty path (or ":memory:")');
  }
  const { busyTimeoutMs = DEFAULT_SQLITE_BUSY_TIMEOUT_MS, driver = 'sqlite3', pool, connection, ...rest } = overrides;
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new ConfigurationError('busyTimeoutMs', 'must be an integer >= 0');
  }
  if (!SQLITE_DRIVERS.includes(driver)) {
    throw new ConfigurationError('driver', `must be ${SQLITE_DRIVERS.map((d) => JSON.stringify(d)).join(' or ')}`);
  }
  const userAfterCreate = (pool as { afterCreate?: AfterCreate } | undefined)?.afterCreate;
  const pragmas = [
    // First, so that switching to WAL itself waits for a concurrent opener.
    `PRAGMA busy_timeout = ${busyTimeoutMs}`,
    'PRAGMA journal_mode = WAL',
    'PRAGMA foreign_keys = ON',
    // Said, not assumed: better-sqlite3 is built with SQLITE_DEFAULT_WAL_SYNCHRONOUS=1 (NORMAL),
    // which in WAL mode skips the fsync of each commit; a save() that resolved could then be lost
    // with the machine.
    'PRAGMA synchronous = FULL',
  ];
  const settings: Record<string, unknown> = {
    filename,
    ...(connection !== null && typeof connection === 'object' ? connection : {}),
  };
  const file = privateFileOf(settings);
  const afterCreate: AfterCreate = (conn, done) =>
    runPragmas(driver, conn, pragmas, (err) => {
      // After the pragmas: WAL mode has created -wal and -shm (with the database file's mode).
      if (file !== null) warnIfLoose([file, `${file}-wal`, `${file}-shm`], SQLITE_FILE_MODE);
      if (err) done(err, conn);
      else if (userAfterCreate) userAfterCreate(conn, done);
      else done(null, conn);
    });
  return {
    client: driver,
    useNullAsDefault: true,
    ...rest,
    connection: file === null ? settings : openingPrivately(settings, file),
    // One connection: SQLite has one writer per file anyway, and a single connection means the
    // process never deadlocks against itself on the write lock.
    pool: { min: 1, max: 1, ...(pool ?? {}), afterCreate },
  } as Knex.Config;
}

/**
 * The file to create privately, or null: `:memory:`, an anonymous temporary database (`""`), a
 * `file:` URI (its own flags) and read-only connections are opened as the driver decides.
 */
function privateFileOf(settings: Record<string, unknown>): string | null {
  const name = settings['filename'];
  if (typeof name !== 'string' || name === '' || name === ':memory:' || name.startsWith('file:')) return null;
  const flags = settings['flags'];
  if (Array.isArray(flags) && flags.includes('OPEN_READONLY')) return null;
  const options = settings['options'] as { readonly?: unknown } | undefined;
  if (options?.readonly === true) return null;
  return name;
}

/**
 * knex calls a function `connection` before it opens the first connection: the file is created
 * there, not when the configuration is built (which may never connect, e.g. a CLI parsing a URL).
 * The function carries the settings as its own properties, so `config.connection.filename` reads
 * as before.
 */
function openingPrivately(settings: Record<string, unknown>, file: string): Knex.Config['connection'] {
  const provide = (): Record<string, unknown> => {
    createPrivateFile(file, SQLITE_FILE_MODE);
    return { ...settings };
  };
  for (const [key, value] of Object.entries(settings)) {
    Object.defineProperty(provide, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return provide as unknown as Knex.Config['connection'];
}
