import type { PermissionAuditEvent } from '../permission/event.js';

/** Passed with each batch: abort `signal` fires when exportTimeout expires. */
export interface BatchContext {
  readonly signal: AbortSignal;
  /** 0 for the first attempt, then 1, 2… for retries. */
  readonly attempt: number;
  /**
   * Refuses one event of this call for what it contains (the sink cannot take it): it is counted
   * in failedCount and rejectedCount, reported to onError, and never handed over again; the call's
   * outcome applies to the others. For sinks that write event by event (a produce() loop).
   */
  reject(event: PermissionAuditEvent, reason: unknown): void;
}

/**
 * Sends one batch somewhere (OpenTelemetry's exporter shape). The BufferedAuditLogger that owns it
 * does the queueing, scheduling, retries, timeouts and exit flushing; an exporter only writes.
 */
export interface AuditBatchExporter {
  /**
   * Writes one batch. Throw (or reject) to have it retried; throw an EventRejectedError when the
   * sink refused the batch for what an event contains (nothing of the call was written): the batch
   * is then split, or, when the error names its `event`, handed over again without that event.
   */
  export(events: readonly PermissionAuditEvent[], context: BatchContext): void | Promise<void>;
  /** Optional synchronous write, used at process exit where nothing asynchronous can run. */
  exportSync?(events: readonly PermissionAuditEvent[]): void;
  /** Optional: release resources after the logger's final flush. */
  shutdown?(): void | Promise<void>;
}
