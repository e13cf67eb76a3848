import type { Knex } from 'knex';
import { ConfigurationError } from '@audit-events/core';
import { addColumn, applyTableOptions, listIndexes, type ColumnSpec } from '../sql/column-types.js';
import { dialectOf, type DialectName } from '../sql/dialect.js';
import { splitTableName } from '../sql/identifiers.js';
import { ARCHIVED_AT, EVENT_COLUMNS, INTEGRITY_COLUMNS } from './columns.js';
import { indexesFor, type IndexSpec } from './indexes.js';
import type { ResolvedSchema } from './schema-options.js';

/** Every column of the event table, built-in then extra. */
export function eventTableColumns(schema: ResolvedSchema): ColumnSpec[] {
  return [
    ...EVENT_COLUMNS,
    ...INTEGRITY_COLUMNS,
    ...schema.extraColumns.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable })),
  ];
}

/**
 * Creates whatever is missing of both tables: the table, then columns added since (new extra
 * columns), then indexes. Each step checks before it acts, so running it again, after a crash
 * half-way (MySQL DDL is not transactional) or next to `knex migrate` is harmless. When another
 * process creates the same object at the same moment, the loser's error is ignored once the
 * object is seen to exist.
 */
export async function ensureSchema(knex: Knex, schema: ResolvedSchema): Promise<void> {
  const dialect = dialectOf(knex);
  const columns = eventTableColumns(schema);
  await ensureTable(knex, dialect, schema.tableName, columns, indexesFor(schema.tableName, schema.extraColumns));
  await ensureTable(
    knex,
    dialect,
    schema.archiveTableName,
    [...columns, ARCHIVED_AT],
    indexesFor(schema.archiveTableName, schema.extraColumns),
  );
}

function schemaBuilder(knex: Knex, schemaName: string | undefined): Knex.SchemaBuilder {
  return schemaName ? knex.schema.withSchema(schemaName) : knex.schema;
}

/** Column names of a table, as the database spells them. */
export async function columnNames(knex: Knex, tableName: string): Promise<Set<string>> {
  const { schema, table } = splitTableName(tableName);
  const query = schema ? knex(table).withSchema(schema) : knex(table);
  const info = (await query.columnInfo()) as unknown as Record<string, unknown>;
  return new Set(Object.keys(info));
}

function lowerCased(names: Iterable<string>): Set<string> {
  return new Set([...names].map((name) => name.toLowerCase()));
}

/** Runs a DDL step; if it fails but `done()` now holds (a concurrent migrator won), that is success. */
export async function idempotent(step: () => Promise<unknown>, done: () => Promise<boolean>): Promise<void> {
  try {
    await step();
  } catch (err) {
    let ok = false;
    try {
      ok = await done();
    } catch {
      // e.g. PostgreSQL inside an aborted transaction: report the original error
    }
    if (!ok) throw err;
  }
}

async function ensureTable(
  knex: Knex,
  dialect: DialectName,
  tableName: string,
  columns: ColumnSpec[],
  indexes: IndexSpec[],
): Promise<void> {
  const { schema, table } = splitTableName(tableName);
  const exists = (): Promise<boolean> => schemaBuilder(knex, schema).hasTable(table);
  if (!(await exists())) {
    await idempotent(
      () =>
        schemaBuilder(knex, schema).createTable(table, (t) => {
          applyTableOptions(t, dialect);
          for (const column of columns) addColumn(t, column, dialect);
          t.primary(['id']);
        }),
      exists,
    );
  }

  const present = lowerCased(await columnNames(knex, tableName));
  const missing = columns.filter((c) => !present.has(c.name.toLowerCase()));
  if (missing.length > 0) {
    if (missing.some((c) => c.name === 'id')) {
      throw new ConfigurationError('tableName', `table ${tableName} exists but has no "id" column`);
    }
    await idempotent(
      () =>
        schemaBuilder(knex, schema).alterTable(table, (t) => {
          for (const column of missing) addColumn(t, column, dialect);
        }),
      async () => {
        const now = lowerCased(await columnNames(knex, tableName));
        return missing.every((c) => now.has(c.name.toLowerCase()));
      },
    );
  }

  const existing = lowerCased(await listIndexes(knex, tableName, dialect));
  for (const index of indexes) {
    if (existing.has(index.name.toLowerCase())) continue;
    await idempotent(
      () =>
        schemaBuilder(knex, schema).alterTable(table, (t) => {
          if (index.unique) t.unique(index.columns, { indexName: index.name });
          else t.index(index.columns, index.name);
        }),
      async () => {
        return lowerCased(await listIndexes(knex, tableName, dialect)).has(index.name.toLowerCase());
      },
    );
  }
}

/**
 * The migrations' `down`: drops both tables, but only while they are empty. Rolling back a
 * migration must never be the way an audit trail disappears; empty them deliberately first.
 */
export async function dropSchemaIfEmpty(knex: Knex, schema: ResolvedSchema): Promise<void> {
  for (const tableName of [schema.archiveTableName, schema.tableName]) {
    const { schema: schemaName, table } = splitTableName(tableName);
    if (!(await schemaBuilder(knex, schemaName).hasTable(table))) continue;
    const [row] = (await knex(tableName).count({ n: '*' })) as Array<{ n: unknown }>;
    const n = Number(row?.n ?? 0);
    if (n > 0) {
      throw new ConfigurationError(
        'migrate:down',
        `refusing to drop ${tableName}: it holds ${n} audit event(s); archive or delete them deliberately first`,
      );
    }
  }
  for (const tableName of [schema.archiveTableName, schema.tableName]) {
    const { schema: schemaName, table } = splitTableName(tableName);
    await schemaBuilder(knex, schemaName).dropTableIfExists(table);
  }
}
