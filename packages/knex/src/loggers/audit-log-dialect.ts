import { dialectOf, type DialectName } from '../sql/dialect.js';

/** The three databases the permission audit table supports: the store's, detected the same way. */
export type AuditLogDialect = DialectName;

/** Which dialect a knex instance speaks; anything else is a ConfigurationError. */
export const auditLogDialect = dialectOf;

/**
 * MySQL drivers inline values into the statement text, which must stay under the server's
 * max_allowed_packet (16 MiB by default on MariaDB); this budget in UTF-16 units stays well under
 * it even with multi-byte characters and escaping. Used for every dialect, it also keeps single
 * statements of the other two at a sane size.
 */
export const MAX_STATEMENT_CHARS = 2_000_000;
