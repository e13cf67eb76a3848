import {
  BufferedAuditLogger,
  ConfigurationError,
  EventRejectedError,
  type BufferedAuditLoggerOptions,
  type PermissionAuditEvent,
} from '@audit-events/core';
import type { Knex } from 'knex';
import { checkTableName } from '../sql/identifiers.js';
import { DEFAULT_PERMISSION_AUDIT_TABLE, ensurePermissionAuditTable } from './permission-audit-table.js';
import { toPermissionAuditRow, type PermissionAuditRow } from './permission-audit-rows.js';
import { PERMISSION_MODEL_COLUMNS, permissionTableColumns } from './permission-table-upgrade.js';
import { isRowContentError } from './row-refusal.js';
import { planStatements, runStatements } from '../writer/insert-rows.js';
import { HashChain, type ChainedWriteTarget } from '../integrity/chain-writer.js';
import { resolveIntegrity, type IntegrityOption } from '../integrity/integrity-options.js';
import type { ChainHead, VerifyOptions, VerifyReport } from '../integrity/verify-report.js';
import {
  chainedCreatedAt,
  permissionChainTarget,
  permissionLogChainHeads,
  verifyPermissionLog,
} from './permission-chain.js';
import { dialectOf, probeDialect, type DialectName, type DialectTraits } from '../sql/dialect.js';

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
 * one transaction so a retried batch is never half-stored). Each row carries its decision's
 * unique `event_id`, so a batch retried after its COMMIT's answer was lost is stored once. A row the
 * database refuses for its
 * content is isolated (see handleBatch) instead of failing its batch. The table is created on demand.
 * Batching, retries, bounded queue and exit flushing come from BufferedAuditLogger. At
 * `process.exit()` nothing asynchronous can run, so events still queued then are counted as
 * dropped and reported on stderr: `await logger.close()` in your shutdown path.
 */
export class DatabaseAuditLogger extends BufferedAuditLogger {
  readonly tableName: string;
  readonly #knex: Knex;
  readonly #dialect: DialectName;
  readonly #createTable: boolean;
  readonly #chain: HashChain | null;
  readonly #chainTarget: ChainedWriteTarget<Row>;
  #ready: Promise<void> | null = null;
  /** createTable false: the table was seen to have event_id (checked once, see #checkColumns). */
  #columnsChecked = false;
  /**
   * A chained write failed since the last one that succeeded: its rows may be stored (a lost
   * ack after COMMIT), so the next chained batch first leaves out the event ids already there.
   */
  #mayBeStored = false;
  /** Learned on the first batch: SQLite's limit depends on its version (999 or 32 766). */
  /** Probed on the first write, as the store probes them: bind and statement-size limits. */
  #traits: DialectTraits | null = null;

  /**
   * `new DatabaseAuditLogger(knex, options)`, the shape of every store and logger (the target,
   * then options: KnexEventStore(knex, …), FileAuditLogger(path, …), KafkaAuditLogger(producer, …)).
   * `new DatabaseAuditLogger({ knex, ...options })` is the deprecated older form.
   */
  constructor(knex: Knex, options?: Omit<DatabaseAuditLoggerOptions, 'knex'>);
  /** @deprecated since 0.2: pass knex first, `new DatabaseAuditLogger(knex, options)`. */
  constructor(options: DatabaseAuditLoggerOptions);
  constructor(first: Knex | DatabaseAuditLoggerOptions, second?: Omit<DatabaseAuditLoggerOptions, 'knex'>) {
    const options: DatabaseAuditLoggerOptions | null =
      typeof first === 'function'
        ? { ...(second ?? {}), knex: first }
        : first !== null && typeof first === 'object'
          ? first
          : null;
    if (options === null || (second !== undefined && (second === null || typeof second !== 'object'))) {
      throw new ConfigurationError('options', 'DatabaseAuditLogger needs (knex, { tableName?, ... })');
    }
    const { knex, tableName = DEFAULT_PERMISSION_AUDIT_TABLE, createTable = true, integrity, ...buffered } = options;
    if (typeof knex !== 'function' || typeof (knex as { schema?: unknown }).schema !== 'object') {
      throw new ConfigurationError('knex', 'must be a knex instance');
    }
    const dialect = dialectOf(knex);
    checkTableName(tableName);
    const chain = resolveIntegrity(integrity);
    super(buffered);
    this.#knex = knex;
    this.#dialect = dialect;
    this.tableName = tableName;
    this.#createTable = createTable;
    this.#chain = chain === null ? null : new HashChain(chain.chainId, chain.fresh, chain.keys);
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

  /**
   * A row the database refuses for its content fails the whole INSERT; it is reported as an
   * EventRejectedError, so the batch is split and re-sent in halves (each its own INSERT, nothing
   * of a refused one stored) until that row is alone: the other rows are stored, the refused one
   * is reported and never retried. With integrity each part is chained from the committed head.
   */
  protected override async handleBatch(events: readonly PermissionAuditEvent[]): Promise<void> {
    if (this.#createTable) await this.ensureTable();
    else await this.#checkColumns();
    const rows = distinctRows(events.map((event) => this.#row(event)));
    try {
      if (this.#chain === null) {
        // A row whose event_id is stored already (this batch's earlier attempt committed, its
        // answer lost) is skipped by the database: ON CONFLICT DO NOTHING / ON DUPLICATE KEY.
        await this.#insert(rows, 'ignore');
        return;
      }
      await this.#writeChained(rows);
    } catch (err) {
      if (!isRowContentError(err, this.#dialect, this.#chain !== null)) throw err;
      throw new EventRejectedError(
        `DatabaseAuditLogger: the database refused ${events.length === 1 ? 'the row' : `a batch of ${events.length} rows`}: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err, event: events.length === 1 ? events[0] : undefined },
      );
    }
  }

  /**
   * With a hash chain a stored row must not be skipped silently by the INSERT: it was given a chain
   * position, and the rows after it would then point at a row that does not exist. So rows already
   * stored are left out BEFORE stamping (after a failed write only: that is when a batch can be
   * partly known to the table), and the INSERT itself rejects a duplicate: if one slips in between
   * (the lost write's COMMIT landing late), the unique index fails the write, nothing of it is
   * stored, and the retry leaves that row out. The chain never references a row that was not
   * inserted, and never forks.
   */
  async #writeChained(rows: PermissionAuditRow[]): Promise<void> {
    const chain = this.#chain!;
    let fresh: PermissionAuditRow[] = rows;
    if (this.#mayBeStored) fresh = await this.#notYetStored(rows);
    try {
      if (fresh.length > 0) {
        const createdAt = chainedCreatedAt(new Date(), this.#dialect);
        // Stamped in batch order just before the INSERT; one batch is in flight at a time.
        await chain.write(
          fresh.map((row): Row => ({ ...row, created_at: createdAt })),
          this.#chainTarget,
        );
      }
    } catch (err) {
      this.#mayBeStored = true;
      throw err;
    }
    this.#mayBeStored = false;
  }

  /** The rows whose event_id is not in the table yet. */
  async #notYetStored(rows: PermissionAuditRow[]): Promise<PermissionAuditRow[]> {
    const stored = new Set<string>();
    for (let i = 0; i < rows.length; i += 500) {
      const ids = rows.slice(i, i + 500).map((row) => row.event_id);
      for (const found of await this.#knex(this.tableName).whereIn('event_id', ids).select('event_id')) {
        stored.add(String((found as { event_id: unknown }).event_id));
      }
    }
    return stored.size === 0 ? rows : rows.filter((row) => !stored.has(row.event_id));
  }

  /**
   * Without createTable the logger does no DDL; a table from before event_id would fail every
   * batch with an unknown column, so say what to run instead (checked until it passes once).
   */
  async #checkColumns(): Promise<void> {
    if (this.#columnsChecked) return;
    const columns = await permissionTableColumns(this.#knex, this.tableName);
    if (columns !== null && !PERMISSION_MODEL_COLUMNS.every((name) => columns.has(name))) {
      throw new ConfigurationError(
        'tableName',
        `table ${this.tableName} has no ${PERMISSION_MODEL_COLUMNS.filter((name) => !columns.has(name)).join(', ')} column: ` +
          'run the migrations (20261204000100_audit_events_permission_model.js, or `audit-events migrate --permission-table`) or use createTable: true',
      );
    }
    // A missing table is left to the INSERT's own error, retried like an outage.
    if (columns !== null) this.#columnsChecked = true;
  }

  #row(event: PermissionAuditEvent): PermissionAuditRow {
    try {
      return toPermissionAuditRow(event, this.#dialect);
    } catch (err) {
      throw new EventRejectedError(
        `DatabaseAuditLogger: a permission audit event cannot be made a row: ${err instanceof Error ? err.message : String(err)}`,
        {
          cause: err,
          event,
        },
      );
    }
  }

  async #insert(
    rows: ReadonlyArray<PermissionAuditRow | Row>,
    onDuplicateId: 'reject' | 'ignore' = 'reject',
  ): Promise<void> {
    // A failed probe leaves the limit unknown and fails this attempt; the batch is retried as usual.
    this.#traits ??= await probeDialect(this.#knex, this.#dialect);
    // Plain multi-row VALUES (not knex's SQLite `select … union all`, capped at 500 rows and
    // slower to compile); several statements run in one transaction, so a batch is all or nothing.
    const statements = planStatements(
      this.tableName,
      rows as readonly Row[],
      {
        maxBindParameters: this.#traits.maxBindParameters,
        maxStatementChars: this.#traits.maxStatementChars,
        onDuplicateId,
        idColumn: 'event_id',
      },
      this.#dialect,
    );
    await runStatements({ knex: this.#knex, timeoutMs: 0, canCancelQueries: false }, statements);
  }
}

/** One row per event_id (the first): the same event object recorded twice is one decision. */
function distinctRows(rows: PermissionAuditRow[]): PermissionAuditRow[] {
  if (rows.length < 2) return rows;
  const seen = new Set<string>();
  const out: PermissionAuditRow[] = [];
  for (const row of rows) {
    if (seen.has(row.event_id)) continue;
    seen.add(row.event_id);
    out.push(row);
  }
  return out.length === rows.length ? rows : out;
}

export { ensurePermissionAuditTable, DEFAULT_PERMISSION_AUDIT_TABLE } from './permission-audit-table.js';
