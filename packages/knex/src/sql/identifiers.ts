import { InvalidIdentifierError } from '@audit-events/core';
import type { DialectName } from './dialect.js';

// Letters, digits and underscores, not starting with a digit, at most 63 characters (PostgreSQL's
// limit, the smallest of the three dialects). An optional `schema.` prefix is allowed for tables.
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Throws InvalidIdentifierError unless `name` is a safe column name. */
export function checkColumnName(name: unknown): string {
  if (typeof name !== 'string' || !NAME.test(name)) throw new InvalidIdentifierError(name, 'column name');
  return name;
}

/** Throws InvalidIdentifierError unless `name` is a safe table name (optionally `schema.table`). */
export function checkTableName(name: unknown): string {
  if (typeof name !== 'string') throw new InvalidIdentifierError(name, 'table name');
  const parts = name.split('.');
  if (parts.length > 2 || parts.some((part) => !NAME.test(part))) {
    throw new InvalidIdentifierError(name, 'table name');
  }
  return name;
}

/** Quotes a validated identifier (optionally `schema.table`); validation excludes quote characters. */
export function quoteIdentifier(name: string, dialect: DialectName): string {
  const q = dialect === 'mysql' ? '`' : '"';
  return name
    .split('.')
    .map((part) => q + part + q)
    .join('.');
}

/** Splits `schema.table` for the knex builders that take the schema separately. */
export function splitTableName(name: string): { schema: string | undefined; table: string } {
  const dot = name.indexOf('.');
  return dot === -1 ? { schema: undefined, table: name } : { schema: name.slice(0, dot), table: name.slice(dot + 1) };
}
