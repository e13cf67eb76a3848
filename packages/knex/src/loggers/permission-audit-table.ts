import { checkTableName } from '../sql/identifiers.js';
import type { Knex } from 'knex';
import { listIndexes } from '../sql/column-types.js';
import { indexName } from './permission-index-name.js';
import {
  addPermissionModelColumns,
  addPermissionModelIndexes,
  upgradePermissionAuditTable,
} from './permission-table-upgrade.js';
import { dialectOf, type DialectName } from '../sql/dialect.js';

export { indexName } from './permission-index-name.js';

export const DEFAULT_PERMISSION_AUDIT_TABLE = 'permission_audit_log';

/** Columns with an index: the ones general_manager's analyses filter on (time, outcome, resource). */
export const INDEXED_COLUMNS = ['timestamp', 'granted', 'manager'] as const;

/** Hash-chain columns (see the logger's `integrity` option): null for rows written without it. */
export const CHAIN_COLUMNS = ['chain_id', 'seq', 'prev_hash', 'hash', 'key_id'] as const;

/**
 * Creates the table if it does not exist: general_manager's columns (id, created_at, action,
 * attributes, granted, bypassed, manager, user_id, user_repr, permissions, metadata) plus the
 * event's own `timestamp`, `event_id` (unique: a retried batch is stored once), `tenant_id` and
 * `actor_type`, and indexes on timestamp, granted, manager and (tenant_id, timestamp). JSON columns
 * are jsonb on PostgreSQL, json on MySQL/MariaDB and text on SQLite. Times are UTC with millisecond
 * precision. A table created by an older version gets event_id, tenant_id and actor_type added
 * (see upgradePermissionAuditTable). With `chainColumns` (what a logger with `integrity` asks for)
 * the table also gets chain_id, seq, prev_hash and hash with a unique (chain_id, seq) index — added
 * to an existing table if missing. Idempotent and safe when several processes race to create it.
 */
export async function ensurePermissionAuditTable(
  knex: Knex,
  tableName: string = DEFAULT_PERMISSION_AUDIT_TABLE,
  options: { chainColumns?: boolean } = {},
): Promise<void> {
  checkTableName(tableName);
  const dialect = dialectOf(knex);
  const chained = options.chainColumns === true;
  if (await exists(knex, tableName)) {
    await upgradePermissionAuditTable(knex, tableName);
    if (chained) await ensureChainColumns(knex, tableName, dialect);
    return;
  }
  try {
    if (dialect === 'postgres') {
      // Transactional DDL: table and indexes appear together or not at all.
      await knex.transaction(async (trx) => {
        await trx.schema.createTable(tableName, (t) => define(t, knex, dialect, tableName, chained));
      });
    } else {
      await knex.schema.createTable(tableName, (t) => define(t, knex, dialect, tableName, chained));
    }
  } catch (err) {
    // Another process (or logger) created it between our check and our CREATE: that is success.
    if (!(await exists(knex, tableName).catch(() => false))) throw err;
    await upgradePermissionAuditTable(knex, tableName);
    if (chained) await ensureChainColumns(knex, tableName, dialect);
  }
}

function exists(knex: Knex, tableName: string): Promise<boolean> {
  const dot = tableName.indexOf('.');
  if (dot === -1) return knex.schema.hasTable(tableName);
  return knex.schema.withSchema(tableName.slice(0, dot)).hasTable(tableName.slice(dot + 1));
}

function define(
  t: Knex.CreateTableBuilder,
  knex: Knex,
  dialect: DialectName,
  tableName: string,
  chained: boolean,
): void {
  t.bigIncrements('id').primary();
  // SQLite has no CURRENT_TIMESTAMP(3); its CURRENT_TIMESTAMP is UTC text, like our timestamps.
  t.datetime('created_at', { precision: 3 })
    .notNullable()
    .defaultTo(dialect === 'sqlite' ? knex.fn.now() : knex.fn.now(3));
  t.datetime('timestamp', { precision: 3 }).notNullable();
  t.string('action', 32).notNullable();
  json(t, dialect, 'attributes').notNullable();
  t.boolean('granted').notNullable();
  t.boolean('bypassed').notNullable().defaultTo(false);
  t.string('manager', 255).nullable();
  t.string('user_id', 255).nullable();
  t.text('user_repr').nullable();
  json(t, dialect, 'permissions').notNullable();
  json(t, dialect, 'metadata').nullable();
  addPermissionModelColumns(t);
  if (chained) addChainColumns(t);
  for (const column of INDEXED_COLUMNS) t.index([column], indexName(tableName, column));
  addPermissionModelIndexes(t, tableName);
  if (chained) t.unique(['chain_id', 'seq'], { indexName: indexName(tableName, 'chain_seq') });
}

function addChainColumns(t: Knex.TableBuilder, only: ReadonlySet<string> = new Set(CHAIN_COLUMNS)): void {
  if (only.has('chain_id')) t.string('chain_id', 64).nullable();
  if (only.has('seq')) t.bigInteger('seq').nullable();
  if (only.has('prev_hash')) t.string('prev_hash', 64).nullable();
  if (only.has('hash')) t.string('hash', 64).nullable();
  if (only.has('key_id')) t.string('key_id', 64).nullable();
}

/**
 * Adds the chain columns and their unique index to a table created before they existed. Each
 * step checks first and tolerates a concurrent process doing the same, like the CREATE above.
 */
async function ensureChainColumns(knex: Knex, tableName: string, dialect: DialectName): Promise<void> {
  const dot = tableName.indexOf('.');
  const schema = dot === -1 ? undefined : tableName.slice(0, dot);
  const table = dot === -1 ? tableName : tableName.slice(dot + 1);
  const alter = (change: (t: Knex.AlterTableBuilder) => void): Promise<void> =>
    (schema ? knex.schema.withSchema(schema) : knex.schema).alterTable(table, change);
  const columns = async (): Promise<Set<string>> => {
    const query = schema ? knex(table).withSchema(schema) : knex(table);
    const info = (await query.columnInfo()) as unknown as Record<string, unknown>;
    return new Set(Object.keys(info).map((name) => name.toLowerCase()));
  };
  const present = await columns();
  const missing = new Set<string>(CHAIN_COLUMNS.filter((name) => !present.has(name)));
  if (missing.size > 0) {
    try {
      await alter((t) => addChainColumns(t, missing));
    } catch (err) {
      const now = await columns().catch(() => new Set<string>());
      if (!CHAIN_COLUMNS.every((name) => now.has(name))) throw err;
    }
  }
  const unique = indexName(tableName, 'chain_seq');
  const hasIndex = async (): Promise<boolean> => (await listIndexes(knex, tableName, dialect)).has(unique);
  if (await hasIndex()) return;
  try {
    await alter((t) => {
      t.unique(['chain_id', 'seq'], { indexName: unique });
    });
  } catch (err) {
    if (!(await hasIndex().catch(() => false))) throw err;
  }
}

function json(t: Knex.CreateTableBuilder, dialect: DialectName, name: string): Knex.ColumnBuilder {
  if (dialect === 'postgres') return t.jsonb(name);
  if (dialect === 'mysql') return t.json(name);
  return t.text(name);
}
