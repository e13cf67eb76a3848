import type { Knex } from 'knex';
import { ConfigurationError } from '@audit-events/core';
import { addColumn, listIndexes } from '../sql/column-types.js';
import { dialectOf } from '../sql/dialect.js';
import { splitTableName } from '../sql/identifiers.js';
import { AUDIT_MODEL_COLUMNS } from './columns.js';
import { columnNames, idempotent } from './ensure-schema.js';
import { auditModelIndexes } from './indexes.js';

/**
 * The audit-model upgrade of an existing event or archive table: the tenant_id,
 * actor_type, action, outcome and reason columns, then the (tenant_id, created_at) and
 * (action, created_at) indexes. The columns are nullable, so existing rows keep their values and
 * their hashes (a null column outside the hash layout is not hashed). Tables created since already
 * have everything (ensure-schema creates them whole).
 */

function schemaBuilder(knex: Knex, schemaName: string | undefined): Knex.SchemaBuilder {
  return schemaName ? knex.schema.withSchema(schemaName) : knex.schema;
}

async function lowerColumns(knex: Knex, tableName: string): Promise<Set<string> | null> {
  const { schema, table } = splitTableName(tableName);
  if (!(await schemaBuilder(knex, schema).hasTable(table))) return null;
  return new Set([...(await columnNames(knex, tableName))].map((n) => n.toLowerCase()));
}

/**
 * Adds what is missing; a table that does not exist is skipped (whoever creates it later creates
 * it whole). Each step checks before it acts, so a second run, or a run after a crash half-way
 * (MySQL DDL is not transactional), or a concurrent migrator, is harmless. Returns whether it
 * changed anything.
 */
export async function addAuditModelColumns(knex: Knex, tableName: string): Promise<boolean> {
  const present = await lowerColumns(knex, tableName);
  if (present === null) return false;
  const { schema, table } = splitTableName(tableName);
  const dialect = dialectOf(knex);
  const missing = AUDIT_MODEL_COLUMNS.filter((c) => !present.has(c.name));
  if (missing.length > 0) {
    await idempotent(
      () =>
        schemaBuilder(knex, schema).alterTable(table, (t) => {
          for (const column of missing) addColumn(t, column, dialect);
        }),
      async () => {
        const now = await lowerColumns(knex, tableName);
        return now !== null && missing.every((c) => now.has(c.name));
      },
    );
  }
  let changed = missing.length > 0;
  const indexes = async (): Promise<Set<string>> =>
    new Set([...(await listIndexes(knex, tableName, dialect))].map((n) => n.toLowerCase()));
  const existing = await indexes();
  for (const index of auditModelIndexes(tableName)) {
    if (existing.has(index.name.toLowerCase())) continue;
    await idempotent(
      () => schemaBuilder(knex, schema).alterTable(table, (t) => void t.index(index.columns, index.name)),
      async () => (await indexes()).has(index.name.toLowerCase()),
    );
    changed = true;
  }
  return changed;
}

/**
 * The upgrade's `down`: drops the indexes and columns, but only while no row of any of the tables
 * holds a value in them. Such a row's hash covers those values: without the columns it could
 * never be verified again, and rolling back a migration must not be the way audit data goes.
 */
export async function dropAuditModelColumns(knex: Knex, tableNames: readonly string[]): Promise<void> {
  const dialect = dialectOf(knex);
  const upgraded: string[] = [];
  for (const tableName of tableNames) {
    const columns = await lowerColumns(knex, tableName);
    if (columns === null) continue;
    const present = AUDIT_MODEL_COLUMNS.map((c) => c.name).filter((name) => columns.has(name));
    if (present.length === 0) continue;
    const [row] = (await knex(tableName)
      .where((b) => {
        for (const name of present) b.orWhereNotNull(name);
      })
      .count({ n: '*' })) as Array<{ n: unknown }>;
    const n = Number(row?.n ?? 0);
    if (n > 0) {
      throw new ConfigurationError(
        'migrate:down',
        `refusing to drop the audit-model columns of ${tableName}: ${n} row(s) hold values that would be lost (and their hashes unverifiable)`,
      );
    }
    upgraded.push(tableName);
  }
  for (const tableName of upgraded) {
    const { schema, table } = splitTableName(tableName);
    const existing = new Set([...(await listIndexes(knex, tableName, dialect))].map((n) => n.toLowerCase()));
    const columns = (await lowerColumns(knex, tableName)) ?? new Set<string>();
    await schemaBuilder(knex, schema).alterTable(table, (t) => {
      for (const index of auditModelIndexes(tableName)) {
        if (existing.has(index.name.toLowerCase())) t.dropIndex(index.columns, index.name);
      }
    });
    await schemaBuilder(knex, schema).alterTable(table, (t) => {
      for (const column of AUDIT_MODEL_COLUMNS) if (columns.has(column.name)) t.dropColumn(column.name);
    });
  }
}
