import type { Knex } from 'knex';
import { AbortedError, ArchiveError, AuditEventsError, ConfigurationError } from '@audit-events/core';
import { rawRows, type DialectTraits } from '../sql/dialect.js';
import { quoteIdentifier } from '../sql/identifiers.js';
import { toDbTimestamp } from '../sql/values.js';
import { isTransientError } from '../sql/write-outcome.js';
import { checkColumnName } from '../sql/identifiers.js';
import { columnNames } from '../schema/ensure-schema.js';
import { resolveCutoff } from './cutoff.js';
import { moveBatch, type ArchivePlan } from './move-batch.js';

/** Events moved per transaction unless `batchSize` says otherwise. */
export const DEFAULT_ARCHIVE_BATCH_SIZE = 1000;
const MAX_ARCHIVE_BATCH_SIZE = 10_000;
/** Attempts per batch when it fails on a deadlock, lock timeout or busy database. */
const MAX_ATTEMPTS = 5;
/** How long a run waits for aged rows another archiver has locked (SKIP LOCKED) to be settled. */
const LOCKED_ROWS_WAIT_MS = 15_000;
const LOCKED_ROWS_POLL_MS = 50;

export interface ArchiveProgress {
  /** Events moved so far by this run. */
  archived: number;
  /** Batches committed so far. */
  batches: number;
  /** Events older than the cutoff when the run started (null when `countTotal: false`). */
  total: number | null;
}

export interface ArchiveOptions {
  /** Events created strictly before this Date, or this many days ago, are moved. */
  olderThan: Date | number;
  /** Events per transaction; default 1000, at most 10 000. */
  batchSize?: number;
  /** Called after each committed batch. An exception from it stops the run (ArchiveError). */
  onProgress?: (progress: ArchiveProgress) => void;
  /** Checked between batches: aborting stops the run with AbortedError; committed batches stay. */
  signal?: AbortSignal;
  /** Count what would move, move nothing. */
  dryRun?: boolean;
  /** Default true: count the events to move first, for `total` in progress reports. */
  countTotal?: boolean;
}

/**
 * The outcome of a run. `archived` is exact: the rows this run deleted from the event table after
 * proving them present in the archive. `remaining` counts events still older than the cutoff at
 * the end (normally 0; in a dry run, the number a real run would move).
 */
export interface ArchiveResult {
  archived: number;
  batches: number;
  cutoff: Date;
  dryRun: boolean;
  remaining: number;
}

export interface ArchiveTarget {
  knex: Knex;
  traits: DialectTraits;
  tableName: string;
  archiveTableName: string;
}

interface CheckedOptions {
  cutoff: Date;
  batchSize: number;
  onProgress: ((progress: ArchiveProgress) => void) | undefined;
  signal: AbortSignal | undefined;
  dryRun: boolean;
  countTotal: boolean;
}

/** Validates archive options before any SQL runs. */
export function checkArchiveOptions(options: ArchiveOptions): CheckedOptions {
  if (options === null || typeof options !== 'object') throw new ConfigurationError('options', 'must be an object');
  const cutoff = resolveCutoff(options.olderThan);
  const batchSize = options.batchSize ?? DEFAULT_ARCHIVE_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_ARCHIVE_BATCH_SIZE) {
    throw new ConfigurationError(
      'batchSize',
      `must be an integer from 1 to ${MAX_ARCHIVE_BATCH_SIZE}, got ${String(batchSize)}`,
    );
  }
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw new ConfigurationError('onProgress', 'must be a function');
  }
  const { signal } = options;
  if (signal !== undefined && (signal === null || typeof signal !== 'object' || typeof signal.aborted !== 'boolean')) {
    throw new ConfigurationError('signal', 'must be an AbortSignal');
  }
  for (const key of ['dryRun', 'countTotal'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'boolean')
      throw new ConfigurationError(key, 'must be a boolean');
  }
  return {
    cutoff,
    batchSize,
    onProgress: options.onProgress,
    signal,
    dryRun: options.dryRun ?? false,
    countTotal: options.countTotal ?? true,
  };
}

/** Number of events created before `cutoff`. */
export async function countBefore(target: ArchiveTarget, cutoff: Date): Promise<number> {
  const dialect = target.traits.name;
  const [row] = rawRows<{ n: unknown }>(
    await target.knex.raw(
      `select count(*) as n from ${quoteIdentifier(target.tableName, dialect)} where ${quoteIdentifier('created_at', dialect)} < ?`,
      [toDbTimestamp(cutoff, dialect)],
    ),
    dialect,
  );
  return Number(row?.n ?? 0);
}

/** The columns to copy: every column of the event table, each of which the archive must have. */
async function planFor(target: ArchiveTarget): Promise<ArchivePlan> {
  const live = await columnNames(target.knex, target.tableName);
  const archive = await columnNames(target.knex, target.archiveTableName);
  if (!archive.has('archived_at')) {
    throw new ConfigurationError('archiveTableName', `${target.archiveTableName} has no archived_at column`);
  }
  // A column the archive lacks would be dropped from every moved row: refuse instead.
  const missing = [...live].filter((name) => !archive.has(name));
  if (missing.length > 0) {
    throw new ConfigurationError(
      'archiveTableName',
      `${target.archiveTableName} lacks column(s) ${missing.join(', ')} of ${target.tableName}; ` +
        'run store.migrate() (or add them) before archiving',
    );
  }
  const columns = [...live].filter((name) => name !== 'archived_at');
  for (const required of ['id', 'created_at']) {
    if (!columns.includes(required)) {
      throw new ConfigurationError(
        'tableName',
        `${target.tableName} and ${target.archiveTableName} must both have ${required}`,
      );
    }
  }
  for (const name of columns) checkColumnName(name);
  return { traits: target.traits, tableName: target.tableName, archiveTableName: target.archiveTableName, columns };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function withRetries<T>(target: ArchiveTarget, attemptOnce: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await attemptOnce();
    } catch (err) {
      if (attempt >= MAX_ATTEMPTS || !isTransientError(err, target.traits.name)) throw err;
      // Jittered backoff, so two archivers that collided do not collide again in step.
      await sleep(20 * 2 ** attempt * (0.5 + Math.random()));
    }
  }
}

/**
 * Moves events older than the cutoff to the archive table, batch by batch, each batch one
 * transaction (see moveBatch). Killing the process at any point leaves every event in exactly one
 * of the two tables; running again finishes the job; two runs at once share the work.
 */
export async function archiveEvents(target: ArchiveTarget, options: CheckedOptions): Promise<ArchiveResult> {
  const { cutoff, dryRun, signal } = options;
  // SQLite builds from before 3.32 bind at most 999 values; the id list of a batch must fit.
  const batchSize = Math.min(options.batchSize, target.traits.maxBindParameters - 1);
  const aborted = (archived: number, batches: number): AbortedError =>
    new AbortedError(`Archive aborted after ${archived} event(s) in ${batches} batch(es)`);
  if (signal?.aborted) throw aborted(0, 0);
  if (dryRun) return { archived: 0, batches: 0, cutoff, dryRun, remaining: await countBefore(target, cutoff) };

  let archived = 0;
  let batches = 0;
  try {
    const plan = await planFor(target);
    const total = options.countTotal ? await countBefore(target, cutoff) : null;
    const skipsLocked = /skip locked/.test(target.traits.lockClause);
    let idle = 0;
    let waitedMs = 0;
    for (;;) {
      if (signal?.aborted) throw aborted(archived, batches);
      const { selected, moved } = await withRetries(target, () =>
        target.knex.transaction((trx) => moveBatch(trx, plan, cutoff, batchSize, new Date())),
      );
      if (selected === 0) {
        // Nothing selectable. With SKIP LOCKED, aged rows may still be locked by a concurrent
        // archiver's open batch: wait for it to commit (or die and roll back, when this run takes
        // them over) so the run ends with the job done and `remaining` means what it says.
        if (!skipsLocked || waitedMs >= LOCKED_ROWS_WAIT_MS || (await countBefore(target, cutoff)) === 0) break;
        await sleep(LOCKED_ROWS_POLL_MS);
        waitedMs += LOCKED_ROWS_POLL_MS;
        continue;
      }
      waitedMs = 0;
      // Selected but nothing deleted can only mean another process got there between; give up
      // after a few such rounds rather than spin.
      idle = moved === 0 ? idle + 1 : 0;
      if (idle > 3) break;
      archived += moved;
      batches++;
      options.onProgress?.({ archived, batches, total });
      // A fresh turn of the event loop between batches: with a driver that answers synchronously
      // (better-sqlite3) the loop would otherwise run on microtasks alone, and neither a SIGINT
      // handler nor a timer could abort it before the last batch.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return { archived, batches, cutoff, dryRun, remaining: await countBefore(target, cutoff) };
  } catch (err) {
    if (err instanceof AuditEventsError) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    throw new ArchiveError(
      `Archiving ${target.tableName} to ${target.archiveTableName} stopped after ${archived} event(s): ${reason}`,
      { archived, batches },
      { cause: err },
    );
  }
}
