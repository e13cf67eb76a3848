import { currentAuditContext } from '../context/current.js';
import { ConfigurationError } from '../errors.js';
import { registry } from '../registry.js';
import { ADMITS_DECISION, isAuditLogger, type AdmissionCheck, type AuditLogger } from './audit-logger.js';
import { enrichEvent } from './enrich.js';
import {
  createPermissionAuditEvent,
  isPermissionAuditEvent,
  type PermissionAuditEvent,
  type PermissionAuditEventInit,
} from './event.js';

// The registry object is created once per process and never replaced, so holding it here saves
// a global symbol lookup on the hot path. It lives on globalThis, so a second copy of this package
// sees the same configured logger.
const REG = registry();

/** Counts events lost because building or recording them threw (see emitPermissionAuditEvent). */
let emitFailures = 0;
const warnedLoggers = new WeakSet<object>();

/** True when a logger is configured. Check it before building an event to pay nothing when off. */
export function auditLoggingEnabled(): boolean {
  return REG.auditLogger !== null;
}

/** The configured logger, or null when permission audit logging is off. */
export function getAuditLogger(): AuditLogger | null {
  return REG.auditLogger as AuditLogger | null;
}

export interface ConfigureAuditLoggerOptions {
  /**
   * Close (flush, then stop) the logger being replaced. Default true: a replaced logger left
   * running keeps its timers, queue and file handle, and its queued events might never be written.
   */
  closePrevious?: boolean;
}

/**
 * Installs `logger` process-wide (null turns logging off). The previous logger, if different, is
 * closed; the returned promise settles when that is done and never rejects (a failing close is
 * reported with process.emitWarning), so not awaiting it is safe.
 */
export function configureAuditLogger(
  logger: AuditLogger | null,
  options: ConfigureAuditLoggerOptions = {},
): Promise<void> {
  if (logger !== null && !isAuditLogger(logger)) {
    throw new ConfigurationError(
      'auditLogger',
      `expected an AuditLogger (an object with a record(event) method) or null, got ${describeValue(logger)}`,
    );
  }
  const previous = REG.auditLogger as AuditLogger | null;
  // No write when nothing changes: V8 treats a never-written field as a constant, so an app that
  // never enables logging pays no load at all in emitPermissionAuditEvent.
  if (previous === logger) return Promise.resolve();
  REG.auditLogger = logger;
  if (previous === null || previous === logger || options.closePrevious === false) return Promise.resolve();
  return closeQuietly(previous);
}

/**
 * Hands a decision to the configured logger. Accepts the event, its init object, or a factory:
 * with no logger configured nothing is called and nothing is built. Inside an audit context the
 * event is enriched (request_id, url, method, ip, user); with a deployment configured (see
 * configureDeployment) it is stamped into metadata.deployment. Never throws: a failure to build or
 * record the event is counted (emitFailureCount()) and reported once per logger as a warning.
 */
export function emitPermissionAuditEvent(
  event: PermissionAuditEvent | PermissionAuditEventInit | (() => PermissionAuditEvent | PermissionAuditEventInit),
): void {
  // Kept tiny so V8 inlines it into call sites: with no logger this is one load and one compare.
  const logger = REG.auditLogger as AuditLogger | null;
  if (logger !== null) emitTo(logger, event);
}

function emitTo(
  logger: AuditLogger,
  event: PermissionAuditEvent | PermissionAuditEventInit | (() => PermissionAuditEvent | PermissionAuditEventInit),
): void {
  try {
    const value = typeof event === 'function' ? event() : event;
    // A full (or closed) buffered logger refuses before the event is built: under overload a
    // dropped decision costs no allocation (the drop is counted by the logger).
    const admits = (logger as Partial<AdmissionCheck>)[ADMITS_DECISION];
    if (admits !== undefined && !admits.call(logger, (value as { granted?: unknown } | null)?.granted)) return;
    const built = isPermissionAuditEvent(value) ? value : createPermissionAuditEvent(value);
    const context = currentAuditContext();
    // Deployment always (when set); request fields and user inside an audit context.
    logger.record(enrichEvent(built, context));
  } catch (err) {
    emitFailures++;
    if (!warnedLoggers.has(logger)) {
      warnedLoggers.add(logger);
      process.emitWarning(
        `A permission audit event was lost: ${err instanceof Error ? err.message : String(err)} ` +
          '(further failures for this logger are only counted, see emitFailureCount())',
        { code: 'AUDIT_EMIT_FAILED' },
      );
    }
  }
}

/** How many events emitPermissionAuditEvent could not build or hand over since the process started. */
export function emitFailureCount(): number {
  return emitFailures;
}

async function closeQuietly(logger: AuditLogger): Promise<void> {
  try {
    if (typeof logger.close === 'function') await logger.close();
    else if (typeof logger.flush === 'function') await logger.flush();
  } catch (err) {
    process.emitWarning(
      `Closing the replaced permission audit logger failed: ${err instanceof Error ? err.message : String(err)}`,
      { code: 'AUDIT_LOGGER_CLOSE_FAILED' },
    );
  }
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`;
  if (typeof value === 'object') {
    const name = (value as object).constructor?.name;
    return name && name !== 'Object'
      ? `an instance of ${name} without a record() method`
      : 'an object without a record() method';
  }
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}
