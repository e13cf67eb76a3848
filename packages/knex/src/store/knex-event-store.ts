import type { Knex } from 'knex';
import {
  ConfigurationError,
  InvalidEventError,
  StoreClosedError,
  StoreWriteError,
  type AuditEvent,
  type EventPage,
  type EventQuery,
  type EventStore,
  type ExportQuery,
} from '@audit-events/core';
import {
  archiveEvents,
  checkArchiveOptions,
  countBefore,
  type ArchiveOptions,
  type ArchiveResult,
  type ArchiveTarget,
} from '../archive/archive-events.js';
import { resolveCutoff } from '../archive/cutoff.js';
import { ensureSchema } from '../schema/ensure-schema.js';
import { EVENT_COLUMNS, INTEGRITY_COLUMNS } from '../schema/columns.js';
import { dialectOf, probeDialect, type DialectName, type DialectTraits } from '../sql/dialect.js';
import { failedBeforeCommit } from '../sql/write-outcome.js';
import { isUniqueViolation, readChainHead } from '../integrity/chain-sql.js';
import { listChainHeads } from '../integrity/chain-heads.js';
import { ChainHeadError, HashChain, type ChainedWriteTarget } from '../integrity/chain-writer.js';
import { SigningKeyError } from '../integrity/keys/keyring.js';
import { EVENT_LAYOUT, kindOfExtra } from '../integrity/row-layout.js';
import { eventLogTables, verifyEventTables } from '../integrity/event-log.js';
import type { ChainHead, VerifyOptions, VerifyReport } from '../integrity/verify-report.js';
import { takeCheckpoint, type CheckpointOptions } from '../integrity/checkpoint/take-checkpoint.js';
import type { WrittenCheckpoint } from '../integrity/checkpoint/checkpoint-dir.js';
import { GroupCommitWriter, type WriterStats } from '../writer/group-commit.js';
import { planStatements, runStatements } from '../writer/insert-rows.js';
import { eventToRow, type EventRow, type RowContext } from './event-row.js';
import { findEvents } from './find-events.js';
import { exportEvents } from './export-events.js';
import { resolveStoreOptions, type KnexEventStoreOptions, type ResolvedStoreOptions } from './store-options.js';

/** Writer counters plus the INSERT statements issued (a batch splits when it exceeds bind limits). */
export interface StoreStats extends WriterStats {
  statements: number;
}

/**
 * An EventStore on SQLite, MySQL/MariaDB or PostgreSQL through knex. Concurrent save() calls are
 * group-committed (see GroupCommitWriter); find() reads newest first with keyset cursors;
 * archive() moves aged events to the archive table in crash-safe batches. The knex instance
 * stays the caller's: close() flushes the store but does not destroy it.
 */
export class KnexEventStore implements EventStore {
  readonly knex: Knex;
  readonly dialect: DialectName;
  readonly tableName: string;
  readonly archiveTableName: string;
  readonly #options: ResolvedStoreOptions;
  readonly #rows: RowContext;
  readonly #writer: GroupCommitWriter<EventRow>;
  #traits: Promise<DialectTraits> | null = null;
  #statements = 0;
  /** This store's hash chain when integrity is on (see HashChain). */
  readonly #chain: HashChain | null;
  readonly #chained: ChainedWriteTarget<EventRow> | null;

  /** Columns created without a default, so a batch that has no value for them need not bind them. */
  readonly #omitWhenNull: ReadonlySet<string>;

  /** Validates everything before any SQL: InvalidIdentifierError for bad names, ConfigurationError otherwise. */
  constructor(knex: Knex, options: KnexEventStoreOptions = {}) {
    if (typeof knex !== 'function' || typeof (knex as { client?: unknown }).client !== 'object') {
      throw new ConfigurationError('knex', 'must be a knex instance');
    }
    this.#options = resolveStoreOptions(options);
    this.knex = knex;
    this.dialect = dialectOf(knex);
    this.tableName = this.#options.schema.tableName;
    this.archiveTableName = this.#options.schema.archiveTableName;
    this.#omitWhenNull = new Set(
      [...EVENT_COLUMNS, ...INTEGRITY_COLUMNS, ...this.#options.schema.extraColumns]
        .filter((c) => c.nullable !== false)
        .map((c) => c.name),
    );
    this.#rows = {
      dialect: this.dialect,
      extraColumns: this.#options.schema.extraColumns,
      mapRow: this.#options.mapRow,
      // With integrity on, rows are serialised canonically once, so hashing needs no second pass.
      canonicalJson: this.#options.integrity !== null,
    };
    this.#writer = new GroupCommitWriter<EventRow>({
      write: (rows) => this.#writeBatch(rows),
      batchSize: this.#options.batchSize,
      lingerMs: this.#options.lingerMs,
      rejoinMs: this.#options.rejoinMs,
      concurrentBatches: this.#options.concurrentBatches,
      // With a backlog, a chain stamps the next batch while the current one is written (HashChain).
      // Not with duplicateIds 'ignore': its look-up of stored ids must follow the batch before.
      prepareAhead: this.#options.integrity !== null && this.#options.duplicateIds !== 'ignore',
      writeTimeoutMs: this.#options.writeTimeoutMs,
      target: this.tableName,
      // A batch that failed while reading its chain's head never reached the INSERT.
      failedBeforeCommit: (err) =>
        err instanceof ChainHeadError || err instanceof SigningKeyError || failedBeforeCommit(err, this.dialect),
    });
    const integrity = this.#options.integrity;
    this.#chain = integrity === null ? null : new HashChain(integrity.chainId, integrity.fresh, integrity.keys);
    this.#chained =
      integrity === null
        ? null
        : {
            layout: EVENT_LAYOUT,
            extraKinds: new Map(this.#options.schema.extraColumns.map((c) => [c.name, kindOfExtra(c.type)])),
            // A toRow mapper may rewrite the JSON text: then it is parsed and canonicalised again.
            jsonIsCanonical: this.#options.mapRow?.toRow === undefined,
            readHead: (chainId) =>
              readChainHead(this.knex, this.dialect, [this.tableName, this.archiveTableName], chainId),
            write: (rows) => this.#insert(rows),
            failedBeforeCommit: (err) => failedBeforeCommit(err, this.dialect),
            isUniqueViolation: (err) => isUniqueViolation(err, this.dialect),
          };
  }

  /** The hash chain this store appends to, or null when integrity is off. */
  get chainId(): string | null {
    return this.#chain?.chainId ?? null;
  }

  /** What the writer has done so far (a snapshot). */
  get stats(): StoreStats {
    return { ...this.#writer.stats, statements: this.#statements };
  }

  /** Creates both tables, missing columns and indexes; safe to run any number of times. */
  async migrate(): Promise<void> {
    await ensureSchema(this.knex, this.#options.schema);
  }

  /**
   * Resolves once every event is committed. Rejects with StoreWriteError when none is stored
   * (a malformed event fails only its own call, before joining a batch), StoreTimeoutError after
   * `writeTimeoutMs`, StoreClosedError after close().
   */
  save(events: readonly AuditEvent[]): Promise<void> {
    // Not async: a save() on the request path should cost one promise, the writer's.
    let rows: EventRow[];
    try {
      rows = this.#rowsOf(events);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#writer.submit(rows);
  }

  /** The rows to insert, or the StoreWriteError (StoreClosedError) that fails the whole save(). */
  #rowsOf(events: readonly AuditEvent[]): EventRow[] {
    if (this.#writer.closed) throw new StoreClosedError();
    if (!Array.isArray(events)) {
      throw new StoreWriteError('save() takes an array of events', 0, { cause: new InvalidEventError('not an array') });
    }
    const rows: EventRow[] = [];
    // A request's save() carries one event: no duplicate to look for, so no Set to build.
    const ids = events.length > 1 ? new Set<string>() : null;
    for (let i = 0; i < events.length; i++) {
      const event = events[i] as AuditEvent;
      let row: EventRow;
      try {
        row = eventToRow(event, this.#rows);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        const cause = err instanceof Error && 'code' in err ? err : new InvalidEventError(reason);
        throw new StoreWriteError(
          `None of ${events.length} audit event(s) was stored: event ${i} is invalid: ${reason}`,
          events.length,
          { cause },
        );
      }
      if (ids?.has(event.id) === true) {
        throw new StoreWriteError(
          `None of ${events.length} audit event(s) was stored: id ${event.id} appears twice`,
          events.length,
          { cause: new InvalidEventError(`duplicate id ${event.id}`) },
        );
      }
      ids?.add(event.id);
      rows.push(row);
    }
    return rows;
  }

  /** One page of events, newest first. Throws InvalidQueryError on a bad filter or cursor. */
  async find(query?: EventQuery): Promise<EventPage> {
    return findEvents(this.knex, this.tableName, query, this.#rows, await this.#probe());
  }

  /** Every matching event, oldest first, in keyset pages; `includeArchive` merges the archive (see exportEvents). */
  export(query?: ExportQuery): AsyncIterableIterator<AuditEvent> {
    const source = {
      knex: this.knex,
      tableName: this.tableName,
      archiveTableName: this.archiveTableName,
      rows: this.#rows,
    };
    return exportEvents({ ...source, traits: () => this.#probe() }, query);
  }

  /** Writes everything saved so far without waiting for the linger time. */
  async flush(): Promise<void> {
    await this.#writer.flush();
  }

  /** Writes what is pending; later saves reject with StoreClosedError. Does not destroy knex. */
  async close(): Promise<void> {
    await this.#writer.close();
  }

  /** How many events are older than `olderThan` (a Date, or days before now). */
  async countArchivable(olderThan: Date | number): Promise<number> {
    const cutoff = resolveCutoff(olderThan);
    return countBefore(await this.#archiveTarget(), cutoff);
  }

  /** Moves events older than `olderThan` to the archive table; see ArchiveOptions and ArchiveResult. */
  async archive(options: ArchiveOptions): Promise<ArchiveResult> {
    const checked = checkArchiveOptions(options);
    return archiveEvents(await this.#archiveTarget(), checked);
  }

  /**
   * Checks every hash chain in the live and archive tables (see VerifyReport): an edited row, a
   * deleted one and an inserted one are each reported with the first position affected. Pass
   * `expectedHeads` (from chainHeads(), recorded earlier) to also catch deleted newest rows.
   */
  async verify(options: VerifyOptions = {}): Promise<VerifyReport> {
    return verifyEventTables(this.knex, await this.#probe(), this.tableName, this.archiveTableName, options);
  }

  /** The newest row of every chain (live and archive): record them to detect a deleted tail later. */
  async chainHeads(): Promise<ChainHead[]> {
    return listChainHeads(
      this.knex,
      this.dialect,
      await eventLogTables(this.knex, this.tableName, this.archiveTableName),
    );
  }

  /**
   * Writes the next signed checkpoint of `dir`: every chain head (live and archive) with its key
   * id, signed with the Ed25519 private key and naming the previous checkpoint's digest. Verify
   * with the public key (`audit-events verify --checkpoints DIR --public-key FILE`).
   */
  async checkpoint(options: CheckpointOptions): Promise<WrittenCheckpoint> {
    const tables = await eventLogTables(this.knex, this.tableName, this.archiveTableName);
    return takeCheckpoint(this.knex, [{ name: this.tableName, tables }], options);
  }

  async #archiveTarget(): Promise<ArchiveTarget> {
    return {
      knex: this.knex,
      traits: await this.#probe(),
      tableName: this.tableName,
      archiveTableName: this.archiveTableName,
    };
  }

  /** Dialect traits, probed once; a failed probe (database down) is retried by the next call. */
  #probe(): Promise<DialectTraits> {
    if (this.#traits === null) {
      const probing = probeDialect(this.knex, this.dialect);
      this.#traits = probing;
      probing.catch(() => {
        if (this.#traits === probing) this.#traits = null;
      });
    }
    return this.#traits;
  }

  async #writeBatch(rows: EventRow[]): Promise<void> {
    // With integrity, rows are stamped here, in batch order: HashChain writes one batch at a time,
    // in the order they were handed over, so each chain stays linear.
    if (this.#chain !== null && this.#chained !== null) {
      // duplicateIds 'ignore' with a chain: stored ids are left out BEFORE stamping, so no chain
      // position is ever skipped. An id inserted concurrently (another ingest worker) then fails
      // the batch on the unique id, and its retry leaves it out.
      const fresh = this.#options.duplicateIds === 'ignore' ? await this.#notYetStored(rows) : rows;
      if (fresh.length === 0) return;
      return this.#chain.write(fresh, this.#chained);
    }
    return this.#insert(rows);
  }

  /** The rows whose id is not in the live table yet. */
  async #notYetStored(rows: EventRow[]): Promise<EventRow[]> {
    const stored = new Set<string>();
    for (let i = 0; i < rows.length; i += 500) {
      const ids = rows.slice(i, i + 500).map((r) => r.id as string);
      for (const r of await this.knex(this.tableName).whereIn('id', ids).select('id'))
        stored.add(String((r as { id: unknown }).id));
    }
    return stored.size === 0 ? rows : rows.filter((r) => !stored.has(r.id as string));
  }

  async #insert(rows: EventRow[]): Promise<void> {
    const traits = await this.#probe();
    const limit = Math.min(this.#options.maxBindParameters ?? Infinity, traits.maxBindParameters);
    const statements = planStatements(
      this.tableName,
      rows,
      {
        maxBindParameters: limit,
        maxStatementChars: traits.maxStatementChars,
        omitWhenNull: this.#omitWhenNull,
        // Chained rows are filtered before stamping; a silently skipped one would leave a gap.
        onDuplicateId: this.#chain === null ? this.#options.duplicateIds : 'reject',
      },
      this.dialect,
    );
    this.#statements += statements.length;
    await runStatements(
      {
        knex: this.knex,
        timeoutMs: this.#options.writeTimeoutMs,
        canCancelQueries: traits.canCancelQueries,
      },
      statements,
    );
  }
}
