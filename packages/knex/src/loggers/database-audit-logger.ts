import { BufferedAuditLogger, ConfigurationError, type BufferedAuditLoggerOptions, type PermissionAuditEvent } from '@audit-events/core';
import type { Knex } from 'knex';
import { checkTableName } from '../sql/identifiers.js';
import { auditLogDialect, maxBindParameters, MAX_STATEMENT_CHARS, type AuditLogDialect } from './audit-log-dialect.js';
import { DEFAULT_PERMISSION_AUDIT_TABLE, ensurePermissionAuditTable, PERMISSION_AUDIT_COLUMNS } from './permission-audit-table.js';
import { rowChars, toPermissionAuditRow, type PermissionAuditRow } from './permission-audit-rows.js';
import { HashChain, type ChainedWriteTarget } from '../integrity/chain-writer.js';
import { resolveIntegrity, type IntegrityOption } from '../integrity/integrity-options.js';
import type { ChainHead, VerifyOptions, VerifyReport } from '../integrity/verify-report.js';
import { chainedCreatedAt, permissionChainTarget, permissionLogChainHeads, verifyPermissionLog } from './permission-chain.js';

type Row = Record<string, unknown>;

export interface DatabaseAuditLoggerOptions extends BufferedAuditLoggerOptions {
  /** The app's knex instance; the logger never destroys it. */
  knex: Knex;
  /** Table to write to. Default `permission_audit_log`; `schema.table` is allowed. */
  tableName?: string;
  /** Create the table on first write if it is missing. Default true. */
  createTable?: boolean;
  /**
   * Tamper evidence: `true` (or `{ chainId }`) appends every row to this logger's own hash chain,
   * checked by verify() / verifyPermissionLog(). `created_at` is then bound by the logger (the
   * batch's time) instead of defaulted by the database, so the hash can cover it. Default off.
   */
  integrity?: IntegrityOption;
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
  readonly #chain: HashChain | null;
  readonly #chainTarget: ChainedWriteTarget<Row>;
  #ready: Promise<void> | null = null;

  constructor(options: DatabaseAuditLoggerOptions) {
    if (options === null || typeof options !== 'object') {
      throw new ConfigurationError('options', 'DatabaseAuditLogger needs { knex, tableName?, ... }');
    }
    const { knex, tableName = DEFAULT_PERMISSION_AUDIT_TABLE, createTable = true, integrity, ...buffered } = options;
    if (typeof knex !== 'function' || typeof (knex as { schema?: unknown }).schema !== 'object') {
      throw new ConfigurationError('knex', 'must be a knex instance');
    }
    const dialect = auditLogDialect(knex);
    checkTableName(tableName);
    const chain = resolveIntegrity(integrity);
    super(buffered);
    this.#knex = knex;
    this.#dialect = dialect;
    this.tableName = tableName;
    this.#createTable = createTable;
    this.#chain = chain === null ? null : new HashChain(chain.chainId, chain.fresh);
    this.#chainTarget = permissionChainTarget(knex, dialect, tableName, (rows) => this.#insert(rows));
  }

  /** The hash chain this logger appends to, or null when integrity is off. */
  get chainId(): string | null {
    return this.#chain?.chainId ?? null;
  }

  /** Checks every hash chain in this logger's table (all writers', not only this one's). */
  verify(options: VerifyOptions = {}): Promise<VerifyReport> {
    return verifyPermissionLog(this.#knex, { ...options, tableName: this.tableName });
  }

  /** The newest row of every chain in this logger's table: record them to detect a deleted tail. */
  chainHeads(): Promise<ChainHead[]> {
    return permissionLogChainHeads(this.#knex, { tableName: this.tableName });
  }

  /** Creates the table if needed; concurrent callers share one attempt, a failed attempt is retried next time. */
  ensureTable(): Promise<void> {
    if (this.#ready === null) {
      const attempt = ensurePermissionAuditTable(this.#knex, this.tableName, { chainColumns: this.#chain !== null });
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
    if (this.#chain === null) return this.#insert(rows);
    const createdAt = chainedCreatedAt(new Date(), this.#dialect);
    // Stamped in batch order just before the INSERT; one batch is in flight at a time.
    await this.#chain.write(
      rows.map((row): Row => ({ ...row, created_at: createdAt })),
      this.#chainTarget,
    );
  }

  async #insert(rows: ReadonlyArray<PermissionAuditRow | Row>): Promise<void> {
    const columns = Math.max(PERMISSION_AUDIT_COLUMNS.length, Object.keys(rows[0] ?? {}).length);
    const chunks = chunk(rows as PermissionAuditRow[], Math.floor(maxBindParameters(this.#dialect) / columns));
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
