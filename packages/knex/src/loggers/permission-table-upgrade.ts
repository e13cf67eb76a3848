import type { Knex } from 'knex';
import { ConfigurationError } from '@audit-events/core';
import { listIndexes } from '../sql/column-types.js';
import { splitTableName } from '../sql/identifiers.js';
import { checkTableName } from '../sql/identifiers.js';
import { indexName } from './permission-index-name.js';
import { dialectOf } from '../sql/dialect.js';

/**
 * Columns of the permission audit table added after its first release, all
 * nullable: rows written before them keep null there, and null columns outside the hash layout are
 * not hashed, so chains written before still verify while every value written since is covered.
 * - `event_id`: the decision's UUID, unique, so a retried batch is never stored twice (null is no
 *   duplicate of null on SQLite, MySQL/MariaDB and PostgreSQL: old rows need no backfill);
 * - `tenant_id`, `actor_type`: who the decision was made for, from the request's AuditContext.
 */
export const PERMISSION_MODEL_COLUMNS = ['event_id', 'tenant_id', 'actor_type'] as const;

export function addPermissionModelColumns(
  t: Knex.TableBuilder,
  only: ReadonlySet<string> = new Set(PERMISSION_MODEL_COLUMNS),
): void {
  if (only.has('event_id')) t.string('event_id', 36).nullable();
  if (only.has('tenant_id')) t.string('tenant_id', 255).nullable();
  if (only.has('actor_type')) t.string('actor_type', 16).nullable();
}

interface ModelIndex {
  name: string;
  columns: string[];
  unique: boolean;
}

/** The unique event_id index (what ON CONFLICT (event_id) infers) and tenant_id + time for scoped reports. */
export function permissionModelIndexes(tableName: string): ModelIndex[] {
  return [
    { name: indexName(tableName, 'event_id'), columns: ['event_id'], unique: true },
    { name: indexName(tableName, 'tenant_timestamp'), columns: ['tenant_id', 'timestamp'], unique: false },
  ];
}

export function addPermissionModelIndexes(t: Knex.TableBuilder, tableName: string): void {
  for (const index of permissionModelIndexes(tableName)) {
    if (index.unique) t.unique(index.columns, { indexName: index.name });
    else t.index(index.columns, index.name);
  }
}

function schemaBuilder(knex: Knex, schema: string | undefined): Knex.SchemaBuilder {
  return schema ? knex.schema.withSchema(schema) : knex.schema;
}

/** Lower-cased column names, or null when the table does not exist. */
export async function permissionTableColumns(knex: Knex, tableName: string): Promise<Set<string> | null> {
  const { schema, table } = splitTableName(tableName);
  if (!(await schemaBuilder(knex, schema).hasTable(table))) return null;
  const query = schema ? knex(table).withSchema(schema) : knex(table);
  const info = (await query.columnInfo()) as unknown as Record<string, unknown>;
  return new Set(Object.keys(info).map((name) => name.toLowerCase()));
}

/** Runs a DDL step; if it fails but `done()` now holds (a concurrent process won), that is success. */
async function idempotent(step: () => Promise<unknown>, done: () => Promise<boolean>): Promise<void> {
  try {
    await step();
  } catch (err) {
    if (!(await done().catch(() => false))) throw err;
  }
}

/**
 * Adds the model columns and their indexes to an existing permission audit table (the migration
 * 20261204000100 and DatabaseAuditLogger on a table it finds); a missing table is skipped. Returns
 * whether anything was added. Each step checks first and tolerates a concurrent process doing the
 * same, so it is safe on every start and after a crash half-way (MySQL DDL is not transactional).
 */
export async function upgradePermissionAuditTable(knex: Knex, tableName: string): Promise<boolean> {
  checkTableName(tableName);
  const dialect = dialectOf(knex);
  const present = await permissionTableColumns(knex, tableName);
  if (present === null) return false;
  const { schema, table } = splitTableName(tableName);
  const alter = (change: (t: Knex.AlterTableBuilder) => void): Promise<void> =>
    schemaBuilder(knex, schema).alterTable(table, change);
  let changed = false;
  const missing = new Set<string>(PERMISSION_MODEL_COLUMNS.filter((name) => !present.has(name)));
  if (missing.size > 0) {
    changed = true;
    await idempotent(
      () => alter((t) => addPermissionModelColumns(t, missing)),
      async () => {
        const now = await permissionTableColumns(knex, tableName);
        return now !== null && PERMISSION_MODEL_COLUMNS.every((name) => now.has(name));
      },
    );
  }
  const hasIndex = async (name: string): Promise<boolean> => {
    const names = await listIndexes(knex, tableName, dialect);
    return [...names].some((n) => n.toLowerCase() === name.toLowerCase());
  };
  for (const index of permissionModelIndexes(tableName)) {
    if (await hasIndex(index.name)) continue;
    changed = true;
    await idempotent(
      () =>
        alter((t) => {
          if (index.unique) t.unique(index.columns, { indexName: index.name });
          else t.index(index.columns, index.name);
        }),
      () => hasIndex(index.name),
    );
  }
  return changed;
}

/**
 * The migration's `down`: drops the model columns (and their indexes) only while no row of any
 * table holds a value in them — a chained row's hash covers them, so dropping a value would make
 * it unverifiable, and event_id is what keeps retries from storing a decision twice.
 */
export async function downgradePermissionAuditTables(knex: Knex, tableNames: readonly string[]): Promise<void> {
  const dialect = dialectOf(knex);
  const present: Array<{ tableName: string; columns: string[] }> = [];
  for (const tableName of tableNames) {
    const columns = await permissionTableColumns(knex, tableName);
    if (columns === null) continue;
    const model = PERMISSION_MODEL_COLUMNS.filter((name) => columns.has(name));
    if (model.length === 0) continue;
    const [row] = (await knex(tableName)
      .where((q) => {
        for (const name of model) q.orWhereNotNull(name);
      })
      .count({ n: '*' })) as Array<{ n: unknown }>;
    const n = Number(row?.n ?? 0);
    if (n > 0) {
      throw new ConfigurationError(
        'migrate:down',
        `refusing to drop ${model.join(', ')} from ${tableName}: ${n} row(s) hold values in them`,
      );
    }
    present.push({ tableName, columns: model });
  }
  for (const { tableName, columns } of present) {
    const { schema, table } = splitTableName(tableName);
    const indexes = await listIndexes(knex, tableName, dialect);
    const lower = new Set([...indexes].map((n) => n.toLowerCase()));
    await schemaBuilder(knex, schema).alterTable(table, (t) => {
      for (const index of permissionModelIndexes(tableName)) {
        if (!lower.has(index.name.toLowerCase())) continue;
        if (index.unique) t.dropUnique(index.columns, index.name);
        else t.dropIndex(index.columns, index.name);
      }
    });
    await schemaBuilder(knex, schema).alterTable(table, (t) => {
      t.dropColumns(...columns);
    });
  }
}
