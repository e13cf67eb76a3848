import { ConfigurationError, ShutdownError } from '../errors.js';
import { isAuditLogger, type AuditLogger } from '../permission/audit-logger.js';
import { registry } from '../registry.js';
import type { EventStore } from '../store/event-store.js';

export interface CloseAuditingOptions {
  /** Stores to close besides the configured one (e.g. those passed to a middleware as `store`). */
  stores?: readonly EventStore[];
  /** Loggers to close besides the configured one. */
  loggers?: readonly AuditLogger[];
  /**
   * Most milliseconds each stage (stores, then loggers) may take before it is reported as
   * incomplete and shutdown moves on. Default 10 000, like the loggers' own signal flush.
   */
  timeoutMs?: number;
}

export const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;

/**
 * The last step of a graceful shutdown, after the HTTP server stopped accepting and finished its
 * in-flight requests: closes the configured event store and every given one (pending events are
 * written), then the configured permission audit logger and every given one (queued events are
 * flushed). Stores go first: they hold the request events the finished requests created.
 * Each object is closed once even if listed twice. Resolves when everything is closed; rejects
 * with ShutdownError (code AUDIT_SHUTDOWN_INCOMPLETE) naming what failed or timed out, after
 * still closing everything else. The knex instance (or other connection) stays yours to destroy.
 * The configured store and logger stay configured: anything recorded later is refused and counted
 * (StoreClosedError, logger.droppedCount) rather than silently ignored.
 */
export async function closeAuditing(options: CloseAuditingOptions = {}): Promise<void> {
  if (options === null || typeof options !== 'object') throw new ConfigurationError('options', 'must be an object');
  const timeoutMs = options.timeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
    throw new ConfigurationError('timeoutMs', `must be an integer ≥ 1, got ${String(timeoutMs)}`);
  }
  const stores = collect<EventStore>(registry().eventStore as EventStore | null, options.stores, 'stores', isStore);
  const loggers = collect<AuditLogger>(
    registry().auditLogger as AuditLogger | null,
    options.loggers,
    'loggers',
    isAuditLogger,
  );
  const failures: Array<{ what: string; error: unknown }> = [];
  await stage(
    stores.map((store, i) => ({ what: `store ${i} (${nameOf(store)})`, run: () => store.close?.() })),
    timeoutMs,
    failures,
  );
  await stage(
    loggers.map((logger, i) => ({
      what: `logger ${i} (${nameOf(logger)})`,
      run: () => (typeof logger.close === 'function' ? logger.close() : logger.flush?.()),
    })),
    timeoutMs,
    failures,
  );
  if (failures.length > 0) throw new ShutdownError(failures);
}

function isStore(value: unknown): value is EventStore {
  return typeof value === 'object' && value !== null && typeof (value as EventStore).save === 'function';
}

function collect<T>(
  configured: T | null,
  extra: readonly T[] | undefined,
  setting: string,
  check: (v: unknown) => boolean,
): T[] {
  if (extra !== undefined && !Array.isArray(extra)) throw new ConfigurationError(setting, 'must be an array');
  const all = new Set<T>();
  if (configured !== null && configured !== undefined) all.add(configured);
  for (const item of extra ?? []) {
    if (!check(item))
      throw new ConfigurationError(
        setting,
        `contains ${typeof item === 'object' ? 'an object' : typeof item} that is not one`,
      );
    all.add(item);
  }
  return [...all];
}

function nameOf(value: object): string {
  return value.constructor?.name ?? 'Object';
}

/** Runs every step at once; a step that throws, rejects or outlives the timeout is a failure. */
async function stage(
  steps: ReadonlyArray<{ what: string; run: () => unknown }>,
  timeoutMs: number,
  failures: Array<{ what: string; error: unknown }>,
): Promise<void> {
  if (steps.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const settled = new Set<number>();
  const running = steps.map(async (step, i) => {
    try {
      await step.run();
    } catch (error) {
      failures.push({ what: step.what, error });
    } finally {
      settled.add(i);
    }
  });
  const outcome = await Promise.race([Promise.all(running).then(() => 'done' as const), timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    steps.forEach((step, i) => {
      if (!settled.has(i))
        failures.push({ what: step.what, error: new Error(`did not finish within ${timeoutMs} ms`) });
    });
  }
}
