import { createHash } from 'node:crypto';
import { checkTableName } from '../sql/identifiers.js';
import type { Knex } from 'knex';
import { auditLogDialect, type AuditLogDialect } from './audit-log-dialect.js';

export const DEFAULT_PERMISSION_AUDIT_TABLE = 'permission_audit_log';

/** Columns of the permission audit table, in insert order (id and created_at are generated). */
export const PERMISSION_AUDIT_COLUMNS = [
  'timestamp',
  'action',
  'attributes',
  'granted',
  'bypassed',
  'manager',
  'user_id',
  'user_repr',
  'permissions',
  'metadata',
] as const;

/** Columns with an index: the ones general_manager's analyses filter on (time, outcome, resource). */
export const INDEXED_COLUMNS = ['timestamp', 'granted', 'manager'] as const;

/**
 * Creates the table if it does not exist: general_manager's columns (id, created_at, action,
 * attributes, granted, bypassed, manager, user_id, user_repr, permissions, metadata) plus the
 * event's own `timestamp`, and indexes on timestamp, granted and manager. JSON columns are jsonb
 * on PostgreSQL, json on MySQL/MariaDB and text on SQLite. Times are UTC with millisecond precision.
 * Idempotent and safe when several processes race to create it.
 */
export async function ensurePermissionAuditTable(knex: Knex, tableName: string = DEFAULT_PERMISSION_AUDIT_TABLE): Promise<void> {
  checkTableName(tableName);
  const dialect = auditLogDialect(knex);
  if (await exists(knex, tableName)) return;
  try {
    if (dialect === 'postgres') {
      // Transactional DDL: table and indexes appear together or not at all.
      await knex.transaction(async (trx) => {
        await trx.schema.createTable(tableName, (t) => define(t, knex, dialect, tableName));
      });
    } else {
      await knex.schema.createTable(tableName, (t) => define(t, knex, dialect, tableName));
    }
  } catch (err) {
    // Another process (or logger) created it between our check and our CREATE: that is success.
    if (await exists(knex, tableName).catch(() => false)) return;
    throw err;
  }
}

function exists(knex: Knex, tableName: string): Promise<boolean> {
  const dot = tableName.indexOf('.');
  if (dot === -1) return knex.schema.hasTable(tableName);
  return knex.schema.withSchema(tableName.slice(0, dot)).hasTable(tableName.slice(dot + 1));
}

function define(t: Knex.CreateTableBuilder, knex: Knex, dialect: AuditLogDialect, tableName: string): void {
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
  for (const column of INDEXED_COLUMNS) t.index([column], indexName(tableName, column));
}

function json(t: Knex.CreateTableBuilder, dialect: AuditLogDialect, name: string): Knex.ColumnBuilder {
  if (dialect === 'postgres') return t.jsonb(name);
  if (dialect === 'mysql') return t.json(name);
  return t.text(name);
}

/** `<table>_<column>_idx`, shortened with a hash when it would pass the 63-character identifier limit. */
export function indexName(tableName: string, column: string): string {
  const base = tableName.replace('.', '_');
  const name = `${base}_${column}_idx`;
  if (name.length <= 63) return name;
  const hash = createHash('sha1').update(tableName).digest('hex').slice(0, 8);
  const suffix = `_${hash}_${column}_idx`;
  return `${base.slice(0, 63 - suffix.length)}${suffix}`;
}
