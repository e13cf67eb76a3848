import { ConfigurationError } from '@audit-events/core';
import { integerOption, rejectUnknownOptions } from '@audit-events/core/internal';
import { resolveSchema, type ResolvedSchema, type SchemaOptions } from '../schema/schema-options.js';
import { resolveIntegrity, type IntegrityOption, type ResolvedIntegrity } from '../integrity/integrity-options.js';
import type { RowMapper } from './event-row.js';

/** Events per batch (one multi-row INSERT, split further only by bind-parameter limits). */
export const DEFAULT_BATCH_SIZE = 500;
/**
 * How long a lone event waits for others before its batch starts, in ms. 0 (the current tick
 * only), like PostgreSQL's commit_delay: saves arriving while a batch is being written already join
 * the next one, so batches grow exactly when the database is the bottleneck, and a linger would
 * only add its delay to every request whose clients wait for the response before sending more.
 */
export const DEFAULT_LINGER_MS = 0;
/**
 * After a commit, with events waiting, how long the next batch may wait for the callers that
 * commit answered to save again, in ms (never longer than the commit took). See rejoinMs.
 */
export const DEFAULT_REJOIN_MS = 2;
/** How long save() waits for its commit before rejecting with StoreTimeoutError, in ms. */
export const DEFAULT_WRITE_TIMEOUT_MS = 10_000;

export interface KnexEventStoreOptions extends SchemaOptions {
  /** Maps events to rows and back: the swappable-model hook. */
  mapRow?: RowMapper;
  /** Most events per batch; default 500. */
  batchSize?: number;
  /** Linger before a batch when no batch is in flight; default 0 (the current tick only). Raise it
   *  to trade latency for fewer, larger transactions at light load. */
  lingerMs?: number;
  /**
   * Under load, after a batch commits while events wait: how long (ms) the next batch may wait for
   * the callers that commit just answered to save again, never longer than the commit itself took;
   * it starts as soon as they have. An app that saves one event per request and answers once it is
   * stored gets larger batches, each commit's fixed cost shared by more events (SQLite, 50 clients:
   * ~25 → ~45 on Node 20), for at most one commit's time more latency. Default 2; 0 starts the
   * next batch at once.
   */
  rejoinMs?: number;
  /** save() rejects with StoreTimeoutError after this many ms; default 10 000. */
  writeTimeoutMs?: number;
  /** Lowers the placeholders per INSERT below the dialect's limit (SQLite 32 766 or 999, MySQL and
   *  PostgreSQL 65 535); rarely needed. */
  maxBindParameters?: number;
  /**
   * Tamper evidence: `true` (or `{ chainId }`) appends every row to this store's own hash chain
   * (chain_id, seq, prev_hash, hash), checked by verify(). Default off. Not combinable with
   * `mapRow.toRow`, whose rows the verifier could not reproduce.
   */
  integrity?: IntegrityOption;
  /**
   * 'ignore' skips events whose id is already stored instead of failing their batch, so replaying
   * the same events (an ingest worker's redelivered messages) stores each exactly once. Default
   * 'reject'. With `integrity`, stored ids are left out before the rows are chained (one SELECT
   * per batch), so the chain has no gap.
   */
  duplicateIds?: 'reject' | 'ignore';
  /**
   * Most batches written at once, each its own transaction on its own pool connection; default 1.
   * A writer that is always saturated (an ingest worker) keeps PostgreSQL or MySQL busy while a
   * commit waits for its flush (docs/storage.md has the figures). Batches may then commit out of
   * order, so not with `integrity` (chains are linear);
   * SQLite has one connection and writes one batch at a time whatever this says.
   */
  concurrentBatches?: number;
}

export interface ResolvedStoreOptions {
  schema: ResolvedSchema;
  mapRow: RowMapper | undefined;
  batchSize: number;
  lingerMs: number;
  rejoinMs: number;
  writeTimeoutMs: number;
  maxBindParameters: number | undefined;
  integrity: ResolvedIntegrity | null;
  duplicateIds: 'reject' | 'ignore';
  concurrentBatches: number;
}

function integer(setting: string, value: unknown, fallback: number, min: number, max: number): number {
  return integerOption(value, setting, fallback, min, max);
}

const KNOWN = new Set([
  'tableName',
  'archiveTableName',
  'extraColumns',
  'mapRow',
  'batchSize',
  'lingerMs',
  'rejoinMs',
  'writeTimeoutMs',
  'maxBindParameters',
  'integrity',
  'duplicateIds',
  'concurrentBatches',
]);

/** Validates every option; throws InvalidIdentifierError or ConfigurationError. */
export function resolveStoreOptions(options: KnexEventStoreOptions = {}): ResolvedStoreOptions {
  if (options === null || typeof options !== 'object') throw new ConfigurationError('options', 'must be an object');
  rejectUnknownOptions(options, KNOWN);
  const schema = resolveSchema(options);
  const { mapRow } = options;
  if (mapRow !== undefined) {
    if (mapRow === null || typeof mapRow !== 'object') throw new ConfigurationError('mapRow', 'must be an object');
    for (const key of ['toRow', 'fromRow'] as const) {
      if (mapRow[key] !== undefined && typeof mapRow[key] !== 'function') {
        throw new ConfigurationError(`mapRow.${key}`, 'must be a function');
      }
    }
  }
  const integrity = resolveIntegrity(options.integrity);
  if (integrity !== null && mapRow?.toRow !== undefined) {
    throw new ConfigurationError(
      'integrity',
      'cannot be combined with mapRow.toRow: the verifier hashes the rows the store itself builds',
    );
  }
  const duplicateIds = options.duplicateIds ?? 'reject';
  if (duplicateIds !== 'reject' && duplicateIds !== 'ignore') {
    throw new ConfigurationError('duplicateIds', `must be 'reject' or 'ignore', got ${String(duplicateIds)}`);
  }
  const concurrentBatches = integer('concurrentBatches', options.concurrentBatches, 1, 1, 16);
  if (integrity !== null && concurrentBatches > 1) {
    throw new ConfigurationError(
      'concurrentBatches',
      'must be 1 with integrity: a hash chain is written one batch after another',
    );
  }
  return {
    schema,
    mapRow,
    integrity,
    duplicateIds,
    concurrentBatches,
    batchSize: integer('batchSize', options.batchSize, DEFAULT_BATCH_SIZE, 1, 100_000),
    lingerMs: integer('lingerMs', options.lingerMs, DEFAULT_LINGER_MS, 0, 10_000),
    rejoinMs: integer('rejoinMs', options.rejoinMs, DEFAULT_REJOIN_MS, 0, 10_000),
    writeTimeoutMs: integer('writeTimeoutMs', options.writeTimeoutMs, DEFAULT_WRITE_TIMEOUT_MS, 1, 2_147_483_647),
    maxBindParameters:
      options.maxBindParameters === undefined
        ? undefined
        : integer('maxBindParameters', options.maxBindParameters, 0, 1, 1_000_000),
  };
}
