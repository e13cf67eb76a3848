import type { Knex } from 'knex';
import { rawRows, type DialectName } from './dialect.js';
import { quoteIdentifier, splitTableName } from './identifiers.js';

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
    rows = rawRows(
      await knex.raw(`select name from ${master} where type = 'index' and tbl_name = ?`, [table]),
      dialect,
    );
  }
  return new Set(rows.map((row) => String(row.name ?? (row as Record<string, unknown>).NAME)));
}
