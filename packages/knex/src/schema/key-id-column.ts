import type { Knex } from 'knex';
import { ConfigurationError } from '@audit-events/core';
import { splitTableName } from '../sql/identifiers.js';
import { columnNames } from './ensure-schema.js';

/** The writer-key column of keyed hash chains: as long as chain_id. */
export const KEY_ID_COLUMN = 'key_id';

function schemaBuilder(knex: Knex, schemaName: string | undefined): Knex.SchemaBuilder {
  return schemaName ? knex.schema.withSchema(schemaName) : knex.schema;
}

async function chainedColumns(knex: Knex, tableName: string): Promise<Set<string> | null> {
  const { schema, table } = splitTableName(tableName);
  if (!(await schemaBuilder(knex, schema).hasTable(table))) return null;
  const names = new Set([...(await columnNames(knex, tableName))].map((n) => n.toLowerCase()));
  return names.has('chain_id') ? names : null;
}

/**
 * Adds key_id to an existing table that has hash-chain columns; a table that does not exist or has
 * no chain columns is left alone (its writer adds them, key_id included). Returns whether it added
 * the column. Idempotent, and a concurrent migrator adding it first is success.
 */
export async function addKeyIdColumn(knex: Knex, tableName: string): Promise<boolean> {
  const before = await chainedColumns(knex, tableName);
  if (before === null || before.has(KEY_ID_COLUMN)) return false;
  const { schema, table } = splitTableName(tableName);
  try {
    await schemaBuilder(knex, schema).alterTable(table, (t) => {
      t.string(KEY_ID_COLUMN, 64).nullable();
    });
  } catch (err) {
    const now = await chainedColumns(knex, tableName).catch(() => null);
    if (!now?.has(KEY_ID_COLUMN)) throw err;
    return false;
  }
  return true;
}

/**
 * The key_id migration's `down`: drops the column only while no row of any table has a key id —
 * without it keyed rows could never be verified again.
 */
export async function dropKeyIdColumns(knex: Knex, tableNames: readonly string[]): Promise<void> {
  const present: string[] = [];
  for (const tableName of tableNames) {
    const columns = await chainedColumns(knex, tableName);
    if (!columns?.has(KEY_ID_COLUMN)) continue;
    const [row] = (await knex(tableName).whereNotNull(KEY_ID_COLUMN).count({ n: '*' })) as Array<{ n: unknown }>;
    const n = Number(row?.n ?? 0);
    if (n > 0) {
      throw new ConfigurationError(
        'migrate:down',
        `refusing to drop ${tableName}.${KEY_ID_COLUMN}: ${n} keyed row(s) would become unverifiable`,
      );
    }
    present.push(tableName);
  }
  for (const tableName of present) {
    const { schema, table } = splitTableName(tableName);
    await schemaBuilder(knex, schema).alterTable(table, (t) => {
      t.dropColumn(KEY_ID_COLUMN);
    });
  }
}
