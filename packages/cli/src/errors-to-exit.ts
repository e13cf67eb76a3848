import { AuditEventsError } from '@audit-events/core';
import { ExitCode } from './exit-codes.js';
import { MissingTablesError } from './store/require-tables.js';
import { MissingPermissionTableError } from './report/report-source.js';
import { firstLine } from './output/error-text.js';

/** How a failed command ends: the exit code and the one line printed after `error: `. */
export interface Failure {
  exitCode: number;
  message: string;
  /** The typed error's stable code, when there is one (shown, and in `--json` output). */
  code?: string;
}

// Never 1 (FAILURE) for what a command knows: `report regressions` exits 1 for "regression found".
const BY_CODE: Readonly<Record<string, number>> = {
  // A query or report option the library refused: the user's input.
  AUDIT_BAD_QUERY: ExitCode.USAGE,
  AUDIT_BAD_EVENT: ExitCode.USAGE,
  AUDIT_BAD_CONFIG: ExitCode.CONFIG,
  AUDIT_BAD_IDENTIFIER: ExitCode.CONFIG,
  AUDIT_DB_UNREACHABLE: ExitCode.DATABASE,
  AUDIT_ARCHIVE_FAILED: ExitCode.DATABASE,
  AUDIT_STORE_WRITE_FAILED: ExitCode.DATABASE,
  AUDIT_STORE_TIMEOUT: ExitCode.DATABASE,
  AUDIT_EXPORT_FAILED: ExitCode.DATABASE,
};

// The rule of @audit-events/knex's checkTableName, said where a user can act on it.
const TABLE_NAME_RULE =
  'use letters, digits and _ (not starting with a digit, at most 63 characters), optionally as schema.table';

const MIGRATE_HINT = 'run `audit-events migrate` first (with the same --table/--archive-table)';

/** Maps anything a command throws to an exit code and a message (not yet redacted). */
export function failureOf(err: unknown): Failure {
  if (err instanceof MissingPermissionTableError) return { exitCode: ExitCode.DATABASE, message: err.message };
  if (err instanceof MissingTablesError)
    return { exitCode: ExitCode.DATABASE, message: `${err.message}; ${MIGRATE_HINT}` };
  const missingTable = causes(err).some(isMissingTable);
  if (err instanceof AuditEventsError) {
    const root = rootCause(err);
    let message = err.message;
    // Wrapped driver errors: say what the database said, it is usually the actionable part.
    // (DatabaseUnreachableError has already chosen its reason, e.g. over knex's misleading
    // "pool is probably full" on a connect timeout.)
    const wrapped = root !== err && root instanceof Error && err.code !== 'AUDIT_DB_UNREACHABLE';
    if (wrapped && !message.includes(firstLine(root)) && !saysCodeOf(message, root)) message += `: ${firstLine(root)}`;
    if (missingTable) message += ` (a table is missing: ${MIGRATE_HINT})`;
    if (err.code === 'AUDIT_BAD_IDENTIFIER' && /table name/.test(message)) message += `: ${TABLE_NAME_RULE}`;
    // The store names its options; the user typed flags (or set variables or config keys).
    if ((err as { setting?: unknown }).setting === 'archiveTableName' && /must differ/.test(message)) {
      message = 'the archive table must differ from the live table (--archive-table, --table)';
    }
    return { exitCode: BY_CODE[err.code] ?? ExitCode.FAILURE, message, code: err.code };
  }
  if (missingTable) return { exitCode: ExitCode.DATABASE, message: `${firstLine(err)} (${MIGRATE_HINT})` };
  if (isDatabaseError(err)) return { exitCode: ExitCode.DATABASE, message: `database error: ${firstLine(err)}` };
  return { exitCode: ExitCode.FAILURE, message: firstLine(err) || 'unexpected failure' };
}

/** The message already gives the cause's code (`cannot read x (ENOENT: …)`): saying it twice is noise. */
function saysCodeOf(message: string, root: Error): boolean {
  const code = (root as { code?: unknown }).code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) && message.includes(`(${code}`);
}

function causes(err: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = err;
  while (current !== undefined && current !== null && chain.length < 10 && !chain.includes(current)) {
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

function rootCause(err: unknown): unknown {
  const chain = causes(err);
  return chain[chain.length - 1];
}

function isMissingTable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  // MySQL/MariaDB, PostgreSQL, SQLite.
  return (
    e?.code === 'ER_NO_SUCH_TABLE' ||
    e?.code === '42P01' ||
    (typeof e?.message === 'string' && /no such table/i.test(e.message))
  );
}

/** Errors raised by a database driver or by knex: they carry SQL-ish codes or a knex name. */
function isDatabaseError(err: unknown): boolean {
  const e = err as { code?: unknown; name?: unknown; sqlState?: unknown; severity?: unknown };
  if (typeof e?.name === 'string' && e.name.startsWith('Knex')) return true;
  if (typeof e?.code !== 'string') return false;
  return (
    e.code.startsWith('SQLITE_') || e.code.startsWith('ER_') || e.sqlState !== undefined || e.severity !== undefined
  );
}
