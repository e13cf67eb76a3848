import { ConfigurationError } from '@audit-events/core';
import type { Knex } from 'knex';

/** The three databases the permission audit table supports. */
export type AuditLogDialect = 'sqlite' | 'mysql' | 'postgres';

/** Which dialect a knex instance speaks; anything else is a ConfigurationError. */
export function auditLogDialect(knex: Knex): AuditLogDialect {
  const dialect = (knex as unknown as { client?: { dialect?: unknown } }).client?.dialect;
  switch (dialect) {
    case 'sqlite3':
    case 'better-sqlite3':
      return 'sqlite';
    case 'mysql':
    case 'mysql2':
      return 'mysql';
    case 'postgresql':
    case 'pg':
      return 'postgres';
    default:
      throw new ConfigurationError(
        'knex',
        `DatabaseAuditLogger supports SQLite, MySQL/MariaDB and PostgreSQL; this knex uses ${JSON.stringify(dialect)}`,
      );
  }
}

/**
 * Most bind parameters one INSERT may carry: SQLite builds before 3.32 stop at 999, MySQL and
 * PostgreSQL at 65 535 (a 16-bit count in their protocols).
 */
export function maxBindParameters(dialect: AuditLogDialect): number {
  return dialect === 'sqlite' ? 999 : 65_535;
}

/**
 * MySQL drivers inline values into the statement text, which must stay under the server's
 * max_allowed_packet (16 MiB by default on MariaDB); this budget in UTF-16 units stays well under
 * it even with multi-byte characters and escaping. Used for every dialect, it also keeps single
 * statements of the other two at a sane size.
 */
export const MAX_STATEMENT_CHARS = 2_000_000;
