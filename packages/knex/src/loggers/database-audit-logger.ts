import { BufferedAuditLogger, ConfigurationError, type BufferedAuditLoggerOptions, type PermissionAuditEvent } from '@audit-events/core';
import type { Knex } from 'knex';
import { checkTableName } from '../sql/identifiers.js';
import { auditLogDialect, maxBindParameters, MAX_STATEMENT_CHARS, type AuditLogDialect } from './audit-log-dialect.js';
import { DEFAULT_PERMISSION_AUDIT_TABLE, ensurePermissionAuditTable, PERMISSION_AUDIT_COLUMNS } from './permission-audit-table.js';
import { rowChars, toPermissionAuditRow, type PermissionAuditRow } from './permission-audit-rows.js';

export interface DatabaseAuditLoggerOptions extends BufferedAuditLoggerOptions {
  /** The app's knex instance; the logger never destroys it. */
  knex: Knex;
  /** Table to write to. Default `permission_audit_log`; `schema.table` is allowed. */
  tableName?: string;
  /** Create the table on first write if it is missing. Default true. */
  createTable?: boolean;
}

/**
 * Writes permission decisions to a SQL table (SQLite, MySQL/MariaDB, PostgreSQL) through knex:
 * one multi-row INSERT per batch (split only to respect bind-parameter and packet limits, inside
 * one transaction so a retried batch is never half-stored). The table is created on demand.
 * Batching, retries, bounded queue and exit flushing come from BufferedAuditLogger. At
 * `process.exit()` nothing asynchronous can run, so events still queued then are counted as
 * dropped and reported on stderr: `await logger.close()` in your shutdown path.
 */
export class DatabaseAuditLogger extends BufferedAuditLogger {
  readonly tableName: string;
  readonly #knex: Knex;
  readonly #dialect: AuditLogDialect;
  readonly #createTable: boolean;
  #ready: Promise<void> | null = null;

  constructor(options: DatabaseAuditLoggerOptions) {
    if (options === null || typeof options !== 'object') {
      throw new ConfigurationError('options', 'DatabaseAuditLogger needs { knex, tableName?, ... }');
    }
    const { knex, tableName = DEFAULT_PERMISSION_AUDIT_TABLE, createTable = true, ...buffered } = options;
    if (typeof knex !== 'function' || typeof (knex as { schema?: unknown }).schema !== 'object') {
      throw new ConfigurationError('knex', 'must be a knex instance');
    }
    const dialect = auditLogDialect(knex);
    checkTableName(tableName);
    super(buffered);
    this.#knex = knex;
    this.#dialect = dialect;
    this.tableName = tableName;
    this.#createTable = createTable;
  }

  /** Creates the table if needed; concurrent callers share one attempt, a failed attempt is retried next time. */
  ensureTable(): Promise<void> {
    if (this.#ready === null) {
      const attempt = ensurePermissionAuditTable(this.#knex, this.tableName);
      this.#ready = attempt;
      attempt.catch(() => {
        if (this.#ready === attempt) this.#ready = null;
      });
    }
    return this.#ready;
  }

  protected override async handleBatch(events: readonly PermissionAuditEvent[]): Promise<void> {
    if (this.#createTable) await this.ensureTable();
    const rows = events.map((event) => toPermissionAuditRow(event, this.#dialect));
    const chunks = chunk(rows, Math.floor(maxBindParameters(this.#dialect) / PERMISSION_AUDIT_COLUMNS.length));
    if (chunks.length === 1) {
      await this.#knex(this.tableName).insert(chunks[0]);
      return;
    }
    await this.#knex.transaction(async (trx) => {
      for (const part of chunks) await trx(this.tableName).insert(part);
    });
  }
}

/** Splits rows into INSERTs of at most `maxRows` rows and about MAX_STATEMENT_CHARS characters. */
function chunk(rows: PermissionAuditRow[], maxRows: number): PermissionAuditRow[][] {
  const out: PermissionAuditRow[][] = [];
  let current: PermissionAuditRow[] = [];
  let chars = 0;
  for (const row of rows) {
    const size = rowChars(row);
    if (current.length > 0 && (current.length >= maxRows || chars + size > MAX_STATEMENT_CHARS)) {
      out.push(current);
      current = [];
      chars = 0;
    }
    current.push(row);
    chars += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

export { ensurePermissionAuditTable, DEFAULT_PERMISSION_AUDIT_TABLE } from './permission-audit-table.js';
