import { ConfigurationError } from '@audit-events/core';
import type { Knex } from 'knex';

/**
 * Which dialect a knex instance speaks and what the connected server and driver can do, probed
 * once per store or logger. The other dialect differences live beside this file: identifiers.ts
 * (quoting), values.ts (binding and reading back), column-types.ts (DDL, index listing),
 * write-outcome.ts (which errors are transient, which writes are known not to have committed),
 * and json-depth.ts (the deepest JSON each server stores).
 */
export type DialectName = 'sqlite' | 'mysql' | 'postgres';

/** Facts about the connected server and driver, learned once per store by `probeDialect`. */
export interface DialectTraits {
  name: DialectName;
  /** Most `?` placeholders one statement may carry. */
  maxBindParameters: number;
  /**
   * Rough budget (in UTF-16 code units of bound strings) for one INSERT: MySQL drivers inline the
   * values into the SQL text, which must stay under the server's max_allowed_packet (16 MiB by
   * default on MariaDB); 2 M units stay under it even with 3-byte characters and escaping.
   */
  maxStatementChars: number;
  /** Suffix for the archive's id SELECT: row locks where the server has them. */
  lockClause: string;
  /** True when the driver hands JSON columns back already parsed (pg, recent mysql2). */
  driverParsesJson: boolean;
  /** Whether knex can cancel a running query on timeout (not on SQLite). */
  canCancelQueries: boolean;
}

/** Maps knex's client to one of the three supported dialects; anything else is a typed error. */
export function dialectOf(knex: Knex): DialectName {
  const dialect = (knex as unknown as { client?: { dialect?: unknown } }).client?.dialect;
  switch (dialect) {
    case 'sqlite3':
    case 'better-sqlite3':
      return 'sqlite';
    case 'mysql':
    case 'mysql2':
      return 'mysql';
    case 'postgresql':
    case 'postgres':
    case 'pg':
      return 'postgres';
    default:
      throw new ConfigurationError(
        'knex',
        `unsupported knex client ${JSON.stringify(String(dialect))}: use sqlite3, better-sqlite3, mysql2 (MySQL/MariaDB) or pg`,
      );
  }
}

function versionAtLeast(version: string, wanted: number[]): boolean {
  const parts = (version.match(/\d+(\.\d+)*/)?.[0] ?? '0').split('.').map(Number);
  for (let i = 0; i < wanted.length; i++) {
    const have = parts[i] ?? 0;
    const want = wanted[i] ?? 0;
    if (have !== want) return have > want;
  }
  return true;
}

/** Rows of a `knex.raw` SELECT, whose result shape differs by driver. */
export function rawRows<T = Record<string, unknown>>(result: unknown, dialect: DialectName): T[] {
  if (dialect === 'postgres') return ((result as { rows?: T[] }).rows ?? []) as T[];
  if (dialect === 'mysql') return ((result as unknown[])[0] ?? []) as T[];
  return (result ?? []) as T[];
}

/**
 * Most `?` placeholders one statement may carry. SQLite's SQLITE_MAX_VARIABLE_NUMBER is 999 before
 * 3.32.0 and 32766 since, so SQLite is asked its version (one tiny query); the MySQL and PostgreSQL
 * protocols count parameters in a 16-bit field.
 */
export async function bindParameterLimit(knex: Knex, name: DialectName): Promise<number> {
  if (name !== 'sqlite') return 65535;
  const [row] = rawRows<{ v: string }>(await knex.raw('select sqlite_version() as v'), name);
  return versionAtLeast(String(row?.v ?? '0'), [3, 32, 0]) ? 32766 : 999;
}

/** Asks the server what it can do. One or two tiny queries, run once per store. */
export async function probeDialect(knex: Knex, name: DialectName): Promise<DialectTraits> {
  if (name === 'sqlite') {
    return {
      name,
      maxBindParameters: await bindParameterLimit(knex, name),
      maxStatementChars: 64_000_000,
      lockClause: '',
      driverParsesJson: false,
      canCancelQueries: false,
    };
  }
  if (name === 'postgres') {
    const [row] = rawRows<{ j: unknown }>(await knex.raw(`select '"x"'::jsonb as j`), name);
    return {
      name,
      maxBindParameters: await bindParameterLimit(knex, name),
      maxStatementChars: 256_000_000,
      lockClause: ' for update skip locked',
      driverParsesJson: row?.j === 'x',
      canCancelQueries: true,
    };
  }
  const [versionRow] = rawRows<{ v: string }>(await knex.raw('select version() as v'), name);
  const version = String(versionRow?.v ?? '');
  const mariadb = /mariadb/i.test(version);
  const skipLocked = mariadb ? versionAtLeast(version, [10, 6]) : versionAtLeast(version, [8, 0, 1]);
  return {
    name,
    maxBindParameters: await bindParameterLimit(knex, name),
    maxStatementChars: 2_000_000,
    // Without SKIP LOCKED a second archiver waits for the first one's rows instead of skipping them:
    // slower, still neither duplicating nor losing.
    lockClause: skipLocked ? ' for update skip locked' : ' for update',
    driverParsesJson: await mysqlDriverParsesJson(knex),
    canCancelQueries: true,
  };
}

/**
 * Whether mysql/mysql2 returns JSON columns parsed depends on the driver version, the server
 * (MariaDB stores JSON as LONGTEXT) and the `jsonStrings`/`typeCast` options, so it is measured:
 * a JSON string value tells the two apart (`x` parsed, `"x"` raw).
 */
async function mysqlDriverParsesJson(knex: Knex): Promise<boolean> {
  try {
    return await knex.transaction(async (trx) => {
      await trx.raw('create temporary table audit_events_json_probe (j json)');
      try {
        await trx.raw(`insert into audit_events_json_probe (j) values ('"x"')`);
        const [row] = rawRows<{ j: unknown }>(await trx.raw('select j from audit_events_json_probe'), 'mysql');
        return row?.j === 'x';
      } finally {
        await trx.raw('drop temporary table audit_events_json_probe');
      }
    });
  } catch {
    // No right to create temporary tables: assume the common case of recent mysql2.
    return true;
  }
}
