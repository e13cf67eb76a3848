import { InvalidIdentifierError } from '@audit-events/core';

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
