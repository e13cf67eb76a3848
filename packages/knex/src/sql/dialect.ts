import { ConfigurationError } from '@audit-events/core';
import type { Knex } from 'knex';

/**
 * Every difference between SQLite, MySQL/MariaDB and PostgreSQL that the store cares about lives
 * in this module: which dialect a knex instance speaks, how values are bound and read back, the
 * column types, the bind-parameter limits, row locking and which errors are worth a retry.
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

/** Quotes a validated identifier (optionally `schema.table`); validation excludes quote characters. */
export function quoteIdentifier(name: string, dialect: DialectName): string {
  const q = dialect === 'mysql' ? '`' : '"';
  return name
    .split('.')
    .map((part) => q + part + q)
    .join('.');
}

/** Splits `schema.table` for the knex builders that take the schema separately. */
export function splitTableName(name: string): { schema: string | undefined; table: string } {
  const dot = name.indexOf('.');
  return dot === -1 ? { schema: undefined, table: name } : { schema: name.slice(0, dot), table: name.slice(dot + 1) };
}

// ---------------------------------------------------------------------------------------------
// Values on the way in.

const NEEDS_JSON_CLEANUP = /\\u(0000|d[89a-f])/i;
// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Makes a string storable everywhere: lone UTF-16 surrogates become U+FFFD (no database accepts
 * them as text) and, on PostgreSQL, NUL characters too (its text and jsonb types cannot hold
 * U+0000). Everything else is kept byte for byte.
 */
export function toDbString(value: string, dialect: DialectName): string {
  // isWellFormed() is one native scan; the regex with its lookbehind costs several times more.
  let text = isWellFormed(value) ? value : value.replace(LONE_SURROGATE, '\uFFFD');
  if (dialect === 'postgres' && text.includes('\u0000')) text = text.replaceAll('\u0000', '\uFFFD');
  return text;
}

/** True when `value` has no lone surrogate (String#isWellFormed, in every Node we support). */
function isWellFormed(value: string): boolean {
  return (value as string & { isWellFormed(): boolean }).isWellFormed();
}

function cleanJson(value: unknown, dialect: DialectName): unknown {
  if (typeof value === 'string') return toDbString(value, dialect);
  if (Array.isArray(value)) return value.map((item) => cleanJson(item, dialect));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(out, toDbString(key, dialect), {
        value: cleanJson(item, dialect),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}

/** JSON text for a JSON column (bound as a string on every dialect: pg would turn arrays into SQL arrays). */
export function toDbJson(value: unknown, dialect: DialectName): string | null {
  if (value === undefined || value === null) return null;
  let text = JSON.stringify(value);
  // JSON.stringify escapes exactly the characters toDbString replaces, so the slow deep walk runs
  // only when the text shows one of them (or an escaped backslash that looks like one).
  if (NEEDS_JSON_CLEANUP.test(text)) text = JSON.stringify(cleanJson(value, dialect));
  return text;
}

/** SQLite keeps instants as integer milliseconds (what node-sqlite3 binds a Date as, so plain knex
 *  queries with Dates still compare correctly); MySQL and PostgreSQL get the Date itself. */
export function toDbTimestamp(date: Date, dialect: DialectName): Date | number {
  return dialect === 'sqlite' ? date.getTime() : date;
}

export function toDbBoolean(value: boolean, dialect: DialectName): boolean | number {
  return dialect === 'sqlite' ? (value ? 1 : 0) : value;
}

// ---------------------------------------------------------------------------------------------
// Values on the way out.

export function fromDbTimestamp(value: unknown): Date {
  if (value instanceof Date) return value;
  if (typeof value === 'number' || typeof value === 'bigint') return new Date(Number(value));
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return new Date(Number(value));
  return new Date(String(value));
}

/**
 * A JSON column's value as a JS value. Drivers that parse JSON return JSON strings as JS strings;
 * the others return the JSON text, which is parsed here (a malformed text written by someone else
 * is returned as it is rather than failing the whole read).
 */
export function fromDbJson(value: unknown, traits: DialectTraits): unknown {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) value = value.toString('utf8');
  if (typeof value !== 'string' || traits.driverParsesJson) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

export function fromDbBoolean(value: unknown): boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value === '1' || value.toLowerCase() === 'true';
  return Boolean(Number(value));
}

/** 64-bit integers come back as strings from pg: numbers when exact, strings otherwise. */
export function fromDbBigint(value: unknown): number | string | null {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : String(value);
}

// ---------------------------------------------------------------------------------------------
// Column types.

export type ColumnType = 'id' | 'string' | 'text' | 'integer' | 'bigint' | 'boolean' | 'json' | 'timestamp' | 'float';

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  /** Maximum length of a `string` column, in characters. */
  length?: number;
  nullable: boolean;
}

/** Adds one column to a create/alter table builder, with each dialect's right type. */
export function addColumn(table: Knex.TableBuilder, spec: ColumnSpec, dialect: DialectName): void {
  let column: Knex.ColumnBuilder;
  switch (spec.type) {
    case 'id':
      // Byte order on every dialect (MySQL tables are utf8mb4_bin), so `id < ?` in keyset
      // pagination agrees with ORDER BY and with core's compareNewestFirst whatever the locale.
      column = table.specificType(spec.name, dialect === 'postgres' ? 'char(36) collate "C"' : 'char(36)');
      break;
    case 'string':
      column = table.string(spec.name, spec.length ?? 255);
      break;
    case 'text':
      // MySQL's TEXT holds 64 KiB only; a long URL or user agent must not fail a whole batch.
      column = table.text(spec.name, 'mediumtext');
      break;
    case 'integer':
      column = table.integer(spec.name);
      break;
    case 'bigint':
      column = table.bigInteger(spec.name);
      break;
    case 'boolean':
      column = table.boolean(spec.name);
      break;
    case 'float':
      column = table.double(spec.name);
      break;
    case 'json':
      // SQLite: `text`, not `json`, whose NUMERIC affinity would turn the text '12' into 12.
      column = dialect === 'sqlite' ? table.text(spec.name) : table.jsonb(spec.name);
      break;
    case 'timestamp':
      if (dialect === 'postgres') column = table.timestamp(spec.name, { useTz: true, precision: 3 });
      else if (dialect === 'mysql') column = table.datetime(spec.name, { precision: 3 });
      else column = table.datetime(spec.name);
      break;
  }
  if (spec.nullable) column.nullable();
  else column.notNullable();
}

/** Table options: MySQL tables get utf8mb4 (every character) and binary collation, so filters
 *  match exactly as on the other dialects ('ABC' is not 'abc'). */
export function applyTableOptions(table: Knex.CreateTableBuilder, dialect: DialectName): void {
  if (dialect === 'mysql') {
    table.charset('utf8mb4');
    table.collate('utf8mb4_bin');
  }
}

/** Names of the indexes (and unique constraints) on a table. */
export async function listIndexes(knex: Knex, tableName: string, dialect: DialectName): Promise<Set<string>> {
  const { schema, table } = splitTableName(tableName);
  let rows: Array<{ name: string }>;
  if (dialect === 'postgres') {
    rows = rawRows(
      await knex.raw(
        'select indexname as name from pg_indexes where tablename = ? and schemaname = coalesce(?, current_schema())',
        [table, schema ?? null],
      ),
      dialect,
    );
  } else if (dialect === 'mysql') {
    rows = rawRows(
      await knex.raw(
        'select distinct index_name as name from information_schema.statistics where table_name = ? and table_schema = coalesce(?, database())',
        [table, schema ?? null],
      ),
      dialect,
    );
  } else {
    const master = schema ? `${quoteIdentifier(schema, dialect)}.sqlite_master` : 'sqlite_master';
    rows = rawRows(await knex.raw(`select name from ${master} where type = 'index' and tbl_name = ?`, [table]), dialect);
  }
  return new Set(rows.map((row) => String(row.name ?? (row as Record<string, unknown>).NAME)));
}

// ---------------------------------------------------------------------------------------------
// Errors.

/**
 * Errors a retry can cure: deadlocks, lock timeouts, serialization failures, SQLite's busy
 * database, and unique violations from a concurrent run that archived the same row first.
 */
export function isTransientError(err: unknown, dialect: DialectName): boolean {
  const e = err as { code?: unknown; errno?: unknown; message?: unknown } | null;
  if (!e) return false;
  const code = String(e.code ?? '');
  if (dialect === 'postgres') return ['40001', '40P01', '55P03', '23505'].includes(code);
  if (dialect === 'mysql') return [1213, 1205, 1062].includes(Number(e.errno));
  // better-sqlite3 reports extended result codes (SQLITE_BUSY_SNAPSHOT), node-sqlite3 primary ones.
  return /^SQLITE_(BUSY|LOCKED)(_|$)/.test(code) || /UNIQUE constraint failed/.test(String(e.message ?? ''));
}

/**
 * Deepest JSON nesting a dialect stores. MariaDB's JSON check rejects documents of JSON_DEPTH
 * above 32, and counts a scalar as a level: 31 nested objects or arrays is the most it takes (MySQL
 * 8 allows 100); the others have no limit that audit data could reach. Checked per
 * event before it joins a batch, so one deep document never fails the other callers' events.
 */
export function maxJsonDepth(dialect: DialectName): number {
  return dialect === 'mysql' ? 31 : Number.POSITIVE_INFINITY;
}

/** Nesting depth of a JSON value (a scalar is 0, `{}` and `[]` are 1); stops counting past `limit`. */
export function jsonDepth(value: unknown, limit: number): number {
  if (value === null || typeof value !== 'object') return 0;
  if (limit <= 0) return 1;
  let deepest = 0;
  for (const child of Array.isArray(value) ? value : Object.values(value)) {
    const d = jsonDepth(child, limit - 1);
    if (d > deepest) deepest = d;
    if (deepest >= limit) break;
  }
  return deepest + 1;
}

/** A copy of `value` whose subtrees below `limit` levels are replaced by a marker string. */
export function clampJsonDepth(value: unknown, limit: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (limit <= 1) return `[nested deeper than this database stores]`;
  if (Array.isArray(value)) return value.map((item) => clampJsonDepth(item, limit - 1));
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    Object.defineProperty(out, key, { value: clampJsonDepth(child, limit - 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}
