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

/**
 * Optional on a logger, asked by emitPermissionAuditEvent before it builds an event: `false` means
 * record() would drop a decision with this outcome now (a full queue, a closed logger) and the drop
 * is already counted, so the event is not built at all and an overloaded sink costs the app no
 * allocation per decision. A registered symbol: copies of this package installed side by side agree.
 */
export const ADMITS_DECISION: unique symbol = Symbol.for('@audit-events/core.AuditLogger.admitsDecision');

/** A logger with the admission check (see ADMITS_DECISION). */
export interface AdmissionCheck {
  [ADMITS_DECISION](granted: unknown): boolean;
}

/** Structural check: anything with a record() method is a logger. */
export function isAuditLogger(value: unknown): value is AuditLogger {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { record?: unknown }).record === 'function'
  );
}
