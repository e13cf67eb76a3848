import { AuditEventsError } from '../errors.js';
import type { PermissionAuditEvent } from '../permission/event.js';

const WARN_INTERVAL_MS = 60_000;

type OnError = ((error: Error, batch: readonly PermissionAuditEvent[]) => void) | null;

/**
 * What a buffered logger says when events are lost: each kind of drop warns once per logger, and
 * failures go to `onError` or, without one, to a warning at most once a minute so a dead backend
 * does not flood the logs (the exact numbers are in the logger's counters).
 */
export class LoggerWarnings {
  readonly #name: string;
  readonly #maxQueueSize: number;
  readonly #onError: OnError;
  #warnedFull = false;
  #warnedDenied = false;
  #warnedClosed = false;
  #lastErrorWarning = -Infinity;

  constructor(name: string, maxQueueSize: number, onError: OnError) {
    this.#name = name;
    this.#maxQueueSize = maxQueueSize;
    this.#onError = onError;
  }

  queueFull(): void {
    if (this.#warnedFull) return;
    this.#warnedFull = true;
    process.emitWarning(
      `${this.#name}: queue full (maxQueueSize ${this.#maxQueueSize}); new permission audit ` +
        'events are dropped (a denied decision evicts the oldest queued granted one) and counted in droppedCount',
      { code: 'AUDIT_LOGGER_QUEUE_FULL' },
    );
  }

  deniedDropped(reason: 'full' | 'closed'): void {
    if (this.#warnedDenied) return;
    this.#warnedDenied = true;
    process.emitWarning(
      `${this.#name}: a permission decision that denied something was dropped ` +
        `(${reason === 'full' ? 'queue full of denied decisions' : 'record() after close()'}); counted in droppedDeniedCount`,
      { code: 'AUDIT_LOGGER_DENIED_DROPPED' },
    );
  }

  recordedAfterClose(): void {
    if (this.#warnedClosed) return;
    this.#warnedClosed = true;
    process.emitWarning(`${this.#name}: record() after close(); the event is dropped and counted in droppedCount`, {
      code: 'AUDIT_LOGGER_CLOSED',
    });
  }

  /** Hands a failure to onError, or warns (rate-limited); `failedCount` is the logger's total so far. */
  failure(error: Error, batch: readonly PermissionAuditEvent[], failedCount: number): void {
    const onError = this.#onError;
    if (onError !== null) {
      try {
        onError(error, batch);
        return;
      } catch (hookError) {
        process.emitWarning(
          `${this.#name}: onError threw: ${hookError instanceof Error ? hookError.message : String(hookError)}`,
          {
            code: 'AUDIT_LOGGER_ON_ERROR_FAILED',
          },
        );
      }
    }
    const now = Date.now();
    if (now - this.#lastErrorWarning < WARN_INTERVAL_MS) return;
    this.#lastErrorWarning = now;
    const code = error instanceof AuditEventsError ? error.code : 'AUDIT_LOGGER_WRITE_FAILED';
    process.emitWarning(`${error.message} (failedCount is now ${failedCount})`, { code });
  }
}
