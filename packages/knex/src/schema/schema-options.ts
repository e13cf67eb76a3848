import { ConfigurationError } from '@audit-events/core';
import { checkColumnName, checkTableName } from '../sql/identifiers.js';
import { RESERVED_COLUMNS, type ExtraColumn, type ExtraColumnType } from './columns.js';

export const DEFAULT_TABLE_NAME = 'audit_events';
export const DEFAULT_ARCHIVE_TABLE_NAME = 'audit_events_archive';

/** What decides the shape of the two tables: shared by the store, the migration source and the
 *  migrations directory. */
export interface SchemaOptions {
  /** Default `audit_events`. Letters, digits and `_`, optionally `schema.table`. */
  tableName?: string;
  /** Default `<tableName>_archive` (`audit_events_archive`): each live table gets its own archive. */
  archiveTableName?: string;
  /** Columns added to both tables. */
  extraColumns?: readonly ExtraColumn[];
}

export interface ResolvedExtraColumn {
  name: string;
  type: ExtraColumnType;
  nullable: boolean;
  index: boolean;
}

export interface ResolvedSchema {
  tableName: string;
  archiveTableName: string;
  extraColumns: readonly ResolvedExtraColumn[];
}

const EXTRA_TYPES: ReadonlySet<string> = new Set([
  'string',
  'text',
  'integer',
  'bigint',
  'boolean',
  'json',
  'timestamp',
  'float',
]);

/** The archive table's default name for a live table: `audit_events` → `audit_events_archive`. */
export function archiveNameFor(tableName: string): string {
  return tableName === DEFAULT_TABLE_NAME ? DEFAULT_ARCHIVE_TABLE_NAME : `${tableName}_archive`;
}

/** Validates names and extra columns; throws InvalidIdentifierError or ConfigurationError before any SQL. */
export function resolveSchema(options: SchemaOptions = {}): ResolvedSchema {
  if (options === null || typeof options !== 'object') {
    throw new ConfigurationError('options', 'must be an object');
  }
  const tableName = checkTableName(options.tableName ?? DEFAULT_TABLE_NAME);
  // Derived from the live table, as the CLI derives it from --table: two stores with their own
  // tables never share one archive by accident.
  const archiveTableName = checkTableName(options.archiveTableName ?? archiveNameFor(tableName));
  if (tableName.toLowerCase() === archiveTableName.toLowerCase()) {
    throw new ConfigurationError('archiveTableName', 'must differ from tableName');
  }
  const extras = options.extraColumns ?? [];
  if (!Array.isArray(extras)) throw new ConfigurationError('extraColumns', 'must be an array');
  const seen = new Set<string>();
  const extraColumns = extras.map((column: unknown, i: number): ResolvedExtraColumn => {
    const setting = `extraColumns[${i}]`;
    if (column === null || typeof column !== 'object') throw new ConfigurationError(setting, 'must be an object');
    const { name, type, nullable, index } = column as Record<string, unknown>;
    checkColumnName(name);
    const key = String(name).toLowerCase();
    if (RESERVED_COLUMNS.has(key)) throw new ConfigurationError(setting, `"${String(name)}" is a built-in column`);
    if (seen.has(key)) throw new ConfigurationError(setting, `"${String(name)}" is listed twice`);
    seen.add(key);
    if (typeof type !== 'string' || !EXTRA_TYPES.has(type)) {
      throw new ConfigurationError(`${setting}.type`, `must be one of ${[...EXTRA_TYPES].join(', ')}`);
    }
    if (nullable !== undefined && typeof nullable !== 'boolean') {
      throw new ConfigurationError(`${setting}.nullable`, 'must be a boolean');
    }
    if (index !== undefined && typeof index !== 'boolean') {
      throw new ConfigurationError(`${setting}.index`, 'must be a boolean');
    }
    return { name: String(name), type: type as ExtraColumnType, nullable: nullable ?? true, index: index ?? false };
  });
  return { tableName, archiveTableName, extraColumns };
}
