import type { Knex } from 'knex';

/**
 * The tables a command works on are not there: usually `migrate` was never run, or `--table`
 * names the wrong table. Checked up front because the store would otherwise fail deep inside a
 * query, with a message that differs per dialect (and, for a dry run, not at all clearly).
 */
export class MissingTablesError extends Error {
  readonly tables: readonly string[];

  constructor(tables: readonly string[], target: string) {
    super(`${tables.join(' and ')} ${tables.length === 1 ? 'does' : 'do'} not exist on ${target}`);
    this.name = 'MissingTablesError';
    this.tables = tables;
  }
}

export async function requireTables(knex: Knex, tables: readonly string[], target: string): Promise<void> {
  const missing: string[] = [];
  for (const table of tables) if (!(await tableExists(knex, table))) missing.push(table);
  if (missing.length > 0) throw new MissingTablesError(missing, target);
}

/** `schema.table` names (allowed by the store) are looked up in that schema. */
async function tableExists(knex: Knex, name: string): Promise<boolean> {
  const dot = name.indexOf('.');
  if (dot === -1) return knex.schema.hasTable(name);
  return knex.schema.withSchema(name.slice(0, dot)).hasTable(name.slice(dot + 1));
}
