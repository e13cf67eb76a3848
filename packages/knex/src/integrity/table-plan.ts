import type { Knex } from 'knex';
import { ConfigurationError } from '@audit-events/core';
import { type DialectName } from '../sql/dialect.js';
import { quoteIdentifier, splitTableName } from '../sql/identifiers.js';
import type { ValueKind } from './canonical-value.js';
import { byColumnName } from './row-digest.js';
import { kindOfDbType, type RowLayout } from './row-layout.js';

/** How the verifier reads one table: the select list and the kinds of the columns outside the layout. */
export interface TablePlan {
  table: string;
  /** SQL select list (quoted, with text casts where the driver would lose precision or zone). */
  select: string;
  /** Columns outside the layout, hashed when not null, sorted by name. */
  others: ReadonlyArray<{ name: string; kind: ValueKind }>;
  /**
   * JSON columns selected as their stored text where the driver would parse them (mysql2 on
   * MariaDB): a key stored twice is visible only in the text (see duplicate-keys.ts).
   */
  jsonAsText: ReadonlySet<string>;
}

async function columnTypes(knex: Knex, tableName: string): Promise<Map<string, string>> {
  const { schema, table } = splitTableName(tableName);
  const query = schema ? knex(table).withSchema(schema) : knex(table);
  const info = (await query.columnInfo()) as unknown as Record<string, { type?: unknown }>;
  return new Map(Object.entries(info).map(([name, column]) => [name, String(column?.type ?? '')]));
}

/**
 * Reads the table's columns and decides how each is selected and hashed; null for a table that
 * has no chain columns at all (created before them, never written with integrity).
 */
export async function planTable(
  knex: Knex,
  dialect: DialectName,
  table: string,
  layout: RowLayout,
): Promise<TablePlan | null> {
  const types = await columnTypes(knex, table);
  const q = (name: string): string => quoteIdentifier(name, dialect);
  const asText = (name: string): string => `cast(${q(name)} as ${dialect === 'mysql' ? 'char' : 'text'}) as ${q(name)}`;
  if (!types.has('chain_id')) return null;
  for (const required of ['seq', 'prev_hash', 'hash']) {
    if (!types.has(required)) {
      throw new ConfigurationError(
        'tableName',
        `${table} has chain_id but no ${required} column: run migrate (or let the logger create it)`,
      );
    }
  }
  const layoutNames = new Set(layout.columns.map((c) => c.name));
  const select: string[] = [];
  const jsonAsText = new Set<string>();
  for (const column of layout.columns) {
    if (!types.has(column.name)) continue; // read as null, as the writer hashed a missing column
    const jsonText = dialect === 'mysql' && column.kind === 'json';
    if (jsonText) jsonAsText.add(column.name);
    select.push(dialect === 'mysql' && (column.utcTextOnMysql || jsonText) ? asText(column.name) : q(column.name));
  }
  select.push(q('hash'));
  const others: Array<{ name: string; kind: ValueKind }> = [];
  for (const [name, type] of types) {
    if (layoutNames.has(name) || layout.excluded.has(name)) continue;
    const kind = kindOfDbType(type);
    others.push({ name, kind });
    // node-sqlite3 and mysql2 round 64-bit integers to doubles: read them as text, exactly.
    // MariaDB's JSON is longtext to information_schema, yet mysql2 parses it (a JSON string value
    // would come back unquoted): read text columns as text, which is what the writer hashed.
    const textual =
      (kind === 'int' && dialect !== 'postgres') || ((kind === 'string' || kind === 'json') && dialect === 'mysql');
    if (kind === 'json' && dialect === 'mysql') jsonAsText.add(name);
    select.push(textual ? asText(name) : q(name));
  }
  others.sort(byColumnName);
  return { table, select: select.join(', '), others, jsonAsText };
}

/** Whether a table exists (the archive table is optional for the permission log). */
export async function tableExists(knex: Knex, tableName: string): Promise<boolean> {
  const { schema, table } = splitTableName(tableName);
  return (schema ? knex.schema.withSchema(schema) : knex.schema).hasTable(table);
}
