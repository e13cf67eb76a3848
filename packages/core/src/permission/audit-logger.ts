import type { PermissionAuditEvent } from './event.js';

/**
 * Receives permission decisions. `record()` is called on the request path: it must be cheap and
 * must not throw (emitPermissionAuditEvent guards against loggers that do anyway).
 */
export interface AuditLogger {
  record(event: PermissionAuditEvent): void;
  /** Resolves once every event recorded before the call is handled (written or counted as failed). */
  flush?(): Promise<void> | void;
  /** Flushes, then releases resources; later records are dropped and counted. Idempotent. */
  close?(): Promise<void> | void;
}

/** Structural check: anything with a record() method is a logger. */
export function isAuditLogger(value: unknown): value is AuditLogger {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { record?: unknown }).record === 'function'
  );
}
