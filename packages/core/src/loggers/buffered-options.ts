import { ConfigurationError } from '../errors.js';
import { booleanOption, integerOption } from '../option-checks.js';
import type { PermissionAuditEvent } from '../permission/event.js';
import { realScheduler, type Scheduler } from './scheduler.js';

/** Options of every BufferedAuditLogger (File, Database, Kafka and custom ones). */
export interface BufferedAuditLoggerOptions {
  /** Events per handleBatch() call; a full batch is exported at once. Default 100. */
  batchSize?: number;
  /** Milliseconds after which queued events are exported even if the batch is not full. Default 500. */
  flushInterval?: number;
  /** Events held at most; when full, new events are dropped and counted in droppedCount. Default 10 000. */
  maxQueueSize?: number;
  /** Milliseconds one handleBatch() may take before the batch is reported as failed. Default 30 000. */
  exportTimeout?: number;
  /** Retries of a failed batch (so maxRetries + 1 attempts). Default 3. */
  maxRetries?: number;
  /** Delay before the first retry in ms; doubles each retry up to maxRetryDelay. Default 100. */
  retryDelay?: number;
  /** Upper bound of the retry delay in ms. Default 5 000. */
  maxRetryDelay?: number;
  /**
   * Called with a typed error (LoggerWriteError after the last retry, LoggerTimeoutError on a timeout,
   * EventRejectedError for one event refused for its content, never retried) and the events it
   * lost, which are also counted in failedCount. Default: a process warning (at most one a minute).
   */
  onError?: (error: Error, batch: readonly PermissionAuditEvent[]) => void;
  /**
   * true: record() exports that one event right away (no timers, no batching, retries at once),
   * for deterministic tests. Default false.
   */
  sync?: boolean;
  /** @deprecated since 0.2: `useWorker: false` is `sync: true` (there never was a worker). */
  useWorker?: boolean;
  /** Flush queued events on normal exit (beforeExit/exit). Default true. */
  flushOnExit?: boolean;
  /** Flush on SIGTERM/SIGINT, then keep the default behaviour if nothing else handles the signal. Default true. */
  handleSignals?: boolean;
  /** Timers to use; default real, unref'd timers. */
  scheduler?: Scheduler;
}

export interface ResolvedBufferedOptions {
  batchSize: number;
  flushInterval: number;
  maxQueueSize: number;
  exportTimeout: number;
  maxRetries: number;
  retryDelay: number;
  maxRetryDelay: number;
  onError: ((error: Error, batch: readonly PermissionAuditEvent[]) => void) | null;
  sync: boolean;
  flushOnExit: boolean;
  handleSignals: boolean;
  scheduler: Scheduler;
}

export const BUFFERED_DEFAULTS = Object.freeze({
  batchSize: 100,
  flushInterval: 500,
  maxQueueSize: 10_000,
  exportTimeout: 30_000,
  maxRetries: 3,
  retryDelay: 100,
  maxRetryDelay: 5_000,
});

export function resolveBufferedOptions(options: BufferedAuditLoggerOptions = {}): ResolvedBufferedOptions {
  if (options === null || typeof options !== 'object') {
    throw new ConfigurationError('options', 'must be an object');
  }
  const batchSize = integerOption(options.batchSize, 'batchSize', BUFFERED_DEFAULTS.batchSize, 1);
  const maxQueueSize = integerOption(
    options.maxQueueSize,
    'maxQueueSize',
    Math.max(BUFFERED_DEFAULTS.maxQueueSize, batchSize),
    1,
  );
  if (maxQueueSize < batchSize) {
    throw new ConfigurationError('maxQueueSize', `must be at least batchSize (${batchSize}), got ${maxQueueSize}`);
  }
  const onError = options.onError ?? null;
  if (onError !== null && typeof onError !== 'function') {
    throw new ConfigurationError('onError', 'must be a function');
  }
  const scheduler = options.scheduler ?? realScheduler;
  if (typeof scheduler.setTimeout !== 'function' || typeof scheduler.clearTimeout !== 'function') {
    throw new ConfigurationError('scheduler', 'must have setTimeout and clearTimeout');
  }
  return {
    batchSize,
    flushInterval: integerOption(options.flushInterval, 'flushInterval', BUFFERED_DEFAULTS.flushInterval, 1),
    maxQueueSize,
    exportTimeout: integerOption(options.exportTimeout, 'exportTimeout', BUFFERED_DEFAULTS.exportTimeout, 1),
    maxRetries: integerOption(options.maxRetries, 'maxRetries', BUFFERED_DEFAULTS.maxRetries, 0),
    retryDelay: integerOption(options.retryDelay, 'retryDelay', BUFFERED_DEFAULTS.retryDelay, 0),
    maxRetryDelay: integerOption(options.maxRetryDelay, 'maxRetryDelay', BUFFERED_DEFAULTS.maxRetryDelay, 0),
    onError,
    sync: syncOption(options),
    flushOnExit: booleanOption(options.flushOnExit, 'flushOnExit', true),
    handleSignals: booleanOption(options.handleSignals, 'handleSignals', true),
    scheduler,
  };
}

/** `sync`, or its deprecated spelling `useWorker` (inverted); both given must agree. */
function syncOption(options: BufferedAuditLoggerOptions): boolean {
  const sync = options.sync === undefined ? undefined : booleanOption(options.sync, 'sync', false);
  const legacy = options.useWorker === undefined ? undefined : !booleanOption(options.useWorker, 'useWorker', true);
  if (sync !== undefined && legacy !== undefined && sync !== legacy) {
    throw new ConfigurationError(
      'sync',
      `contradicts useWorker: ${String(options.useWorker)} (useWorker is the deprecated name of the opposite of sync)`,
    );
  }
  return sync ?? legacy ?? false;
}
