// The dialect matrix for storage tests: SQLite (a temp file, through both drivers: sqlite3 and
// better-sqlite3), MariaDB/MySQL and PostgreSQL on loopback. Connection strings can be overridden
// by environment variables. Under CI=true an unreachable server fails the run; elsewhere its
// suites are skipped with a visible reason.
import knexFactory from 'knex';
import { sqliteKnexConfig } from '@audit-events/knex';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { testTempDir } from './temp-dirs.js';

export const MYSQL_URL = process.env.AUDIT_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
export const POSTGRES_URL = process.env.AUDIT_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

let sqliteDir;
export function tempDir() {
  sqliteDir ??= testTempDir('sqlite-');
  return sqliteDir;
}

function freshSqliteFile() {
  return join(tempDir(), `db-${randomBytes(4).toString('hex')}.sqlite`);
}

/**
 * A fresh file created 0600 (empty is a valid SQLite database), as sqliteKnexConfig and the CLI
 * create theirs: the plain knex config below would let the driver create it 0644, and every
 * store or CLI run opening it later would rightly warn AUDIT_FILE_MODE_LOOSE.
 */
function privateSqliteFile() {
  const filename = freshSqliteFile();
  writeFileSync(filename, '', { mode: 0o600, flag: 'wx' });
  return filename;
}

/** Knex configuration for a matrix entry; `sqlite` and `better-sqlite3` get a fresh file each call. */
export function knexConfig(dialect, overrides = {}) {
  switch (dialect) {
    case 'sqlite':
      return {
        client: 'sqlite3',
        connection: { filename: privateSqliteFile() },
        useNullAsDefault: true,
        ...overrides,
      };
    case 'better-sqlite3':
      // As documented for this driver: through sqliteKnexConfig, so the file is in WAL mode from
      // the first connection on (one connection, as the store's writer wants).
      return sqliteKnexConfig(freshSqliteFile(), { driver: 'better-sqlite3', ...overrides });
    case 'mysql':
      return { client: 'mysql2', connection: MYSQL_URL, pool: { min: 0, max: 10 }, ...overrides };
    case 'postgres':
      return { client: 'pg', connection: POSTGRES_URL, pool: { min: 0, max: 10 }, ...overrides };
    default:
      throw new Error(`unknown dialect ${dialect}`);
  }
}

export const DIALECTS = ['sqlite', 'better-sqlite3', 'mysql', 'postgres'];

/** The store's dialect of a matrix entry: both SQLite drivers speak `sqlite`. */
function storageDialect(entry) {
  return entry === 'better-sqlite3' ? 'sqlite' : entry;
}

/** The `driver` option of sqliteKnexConfig for a SQLite matrix entry. */
function sqliteDriver(entry) {
  return entry === 'better-sqlite3' ? 'better-sqlite3' : 'sqlite3';
}

/** A table name no other test (or concurrently running test process) uses. */
export function uniqueTable(prefix = 't') {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

async function reachable(knex) {
  await Promise.race([
    knex.raw('select 1'),
    new Promise((_, reject) => setTimeout(() => reject(new Error('connection timed out after 5 s')), 5000).unref()),
  ]);
}

/**
 * Declares `describe(`${title} [${entry}]`)` for each matrix entry with a connected `knex` in
 * `ctx.knex`, destroyed after the suite. `body(ctx, dialect)` declares the tests; `dialect` is the
 * store's (`sqlite` for both SQLite drivers), `ctx.driver` the
 * SQLite driver (for sqliteKnexConfig in child processes and second connections).
 */
export function forEachDialect(title, body, { dialects = DIALECTS } = {}) {
  for (const entry of dialects) {
    const dialect = storageDialect(entry);
    describe(`${title} [${entry}]`, function () {
      const ctx = { knex: null, dialect, driver: dialect === 'sqlite' ? sqliteDriver(entry) : null, config: null };
      before(async function () {
        ctx.config = knexConfig(entry);
        ctx.knex = knexFactory(ctx.config);
        try {
          await reachable(ctx.knex);
        } catch (err) {
          await ctx.knex.destroy().catch(() => {});
          ctx.knex = null;
          if (IN_CI) throw new Error(`${entry} is unreachable under CI=true: ${err.message}`, { cause: err });
          console.warn(`      skipping ${entry}: ${err.message}`);
          this.skip();
        }
      });
      after(async function () {
        if (ctx.knex) await ctx.knex.destroy();
      });
      body(ctx, dialect);
    });
  }
}
