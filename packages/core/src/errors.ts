// Over 300 lines on purpose: every error class and code in one file, mirrored by docs/errors.md.
/**
 * Every error this project throws is an AuditEventsError with a stable `code`, so callers can
 * branch on `err.code` without parsing messages. Subclasses exist where callers branch on type.
 */
export type AuditErrorCode =
  | 'AUDIT_NO_CONTENT_OBJECT'
  | 'AUDIT_NOT_JSON'
  | 'AUDIT_NO_STORE'
  | 'AUDIT_BAD_IDENTIFIER'
  | 'AUDIT_BAD_CONFIG'
  | 'AUDIT_BAD_QUERY'
  | 'AUDIT_STORE_WRITE_FAILED'
  | 'AUDIT_STORE_TIMEOUT'
  | 'AUDIT_LOGGER_WRITE_FAILED'
  | 'AUDIT_LOGGER_TIMEOUT'
  | 'AUDIT_STORE_CLOSED'
  | 'AUDIT_LOGGER_CLOSED'
  | 'AUDIT_PERMISSION_DENIED'
  | 'AUDIT_ARCHIVE_FAILED'
  | 'AUDIT_ABORTED'
  | 'AUDIT_BAD_EVENT'
  | 'AUDIT_DB_UNREACHABLE'
  | 'AUDIT_SHUTDOWN_INCOMPLETE'
  | 'AUDIT_BAD_INPUT'
  | 'AUDIT_EVENT_REJECTED'
  | 'AUDIT_BAD_SCOPE'
  | 'AUDIT_EXPORT_FAILED';

/** Registered symbol: the same key in every installed copy of this package. */
const BRAND = Symbol.for('audit-events.error.classes');

/** Names of the error classes from `cls` up to AuditEventsError, most derived first. */
function classNames(cls: object): readonly string[] {
  const names: string[] = [];
  for (
    let c: object | null = cls;
    c !== null && c !== Function.prototype;
    c = Object.getPrototypeOf(c) as object | null
  ) {
    names.push((c as { name: string }).name);
    if (c === AuditEventsError) break;
  }
  return names;
}

export class AuditEventsError extends Error {
  readonly code: AuditErrorCode;

  constructor(code: AuditErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
    // Non-enumerable, so logs and JSON show the error as before.
    Object.defineProperty(this, BRAND, { value: classNames(new.target) });
  }

  /**
   * `err instanceof StoreWriteError` holds for an error thrown by a second installed copy of
   * the package too (an app and a library each with their own node_modules), by class name.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (value === null || typeof value !== 'object') return false;
    const names = (value as { [BRAND]?: unknown })[BRAND];
    return Array.isArray(names) && names.includes(this.name);
  }
}

/** An event was created without a usable content object (missing, or no type/id). */
export class NoContentObjectError extends AuditEventsError {
  constructor(message: string) {
    super('AUDIT_NO_CONTENT_OBJECT', message);
  }
}

/** A value cannot be stored as JSON; `path` names the offending location, e.g. `content.items[2].fn`. */
export class NotJsonSerializableError extends AuditEventsError {
  readonly path: string;

  constructor(path: string, reason: string) {
    super('AUDIT_NOT_JSON', `${path} cannot be stored as JSON: ${reason}`);
    this.path = path;
  }
}

/** An event was saved but no store was passed to the middleware or configured globally. */
export class NoEventStoreError extends AuditEventsError {
  constructor() {
    super('AUDIT_NO_STORE', 'No event store: pass `store` to the audit middleware or call configureEventStore(store)');
  }
}

/** A table or column name is not a safe SQL identifier. */
export class InvalidIdentifierError extends AuditEventsError {
  readonly identifier: unknown;

  constructor(identifier: unknown, what = 'identifier') {
    super('AUDIT_BAD_IDENTIFIER', `Invalid ${what}: ${JSON.stringify(String(identifier))}`);
    this.identifier = identifier;
  }
}

/** Options or settings are malformed; `setting` names the offending key. */
export class ConfigurationError extends AuditEventsError {
  readonly setting: string;

  constructor(setting: string, message: string, options?: { cause?: unknown }) {
    super('AUDIT_BAD_CONFIG', `${setting}: ${message}`, options);
    this.setting = setting;
  }
}

/**
 * Throws a ConfigurationError naming the first key of `options` not in `known`: a misspelt option
 * (writeTimeout, batch_size) would otherwise leave its default silently in force.
 */
export function rejectUnknownOptions(options: object, known: ReadonlySet<string>): void {
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new ConfigurationError(key, 'unknown option');
  }
}

/** A query (filters, cursor, limit) is malformed. */
export class InvalidQueryError extends AuditEventsError {
  constructor(message: string) {
    super('AUDIT_BAD_QUERY', message);
  }
}

/**
 * A read router's `scope(req)` answered something that is not a scope (not a plain object, no
 * filter, an unknown key, a wrong type or value). The request fails (500 through the app's error
 * handler) rather than being answered unscoped.
 */
export class InvalidScopeError extends AuditEventsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('AUDIT_BAD_SCOPE', message, options);
  }
}

/**
 * A store write failed. The events it carried were NOT stored, unless `outcomeUnknown` is true:
 * the connection was lost after the write was sent, so it may have committed (as with a
 * StoreTimeoutError). Retrying such a write with new events can store them twice.
 */
export class StoreWriteError extends AuditEventsError {
  readonly eventCount: number;
  readonly outcomeUnknown: boolean;

  constructor(message: string, eventCount: number, options?: { cause?: unknown; outcomeUnknown?: boolean }) {
    super('AUDIT_STORE_WRITE_FAILED', message, options);
    this.eventCount = eventCount;
    this.outcomeUnknown = options?.outcomeUnknown === true;
  }
}

/** A store write did not complete within its timeout; the outcome is unknown to the caller. */
export class StoreTimeoutError extends AuditEventsError {
  constructor(message: string) {
    super('AUDIT_STORE_TIMEOUT', message);
  }
}

/**
 * A buffered logger's batch failed for good (retries spent): its events were not written, unless
 * `outcomeUnknown`. Still an instance of StoreWriteError, which loggers threw before 0.2.
 */
export class LoggerWriteError extends StoreWriteError {
  constructor(message: string, eventCount: number, options?: { cause?: unknown; outcomeUnknown?: boolean }) {
    super(message, eventCount, options);
    (this as { code: AuditErrorCode }).code = 'AUDIT_LOGGER_WRITE_FAILED';
  }
}

/**
 * A buffered logger's batch outlived `exportTimeout`: whether it was written is unknown, so it is
 * not retried. Still an instance of StoreTimeoutError, which loggers threw before 0.2.
 */
export class LoggerTimeoutError extends StoreTimeoutError {
  constructor(message: string) {
    super(message);
    (this as { code: AuditErrorCode }).code = 'AUDIT_LOGGER_TIMEOUT';
  }
}

/**
 * A sink cannot take an event for what it contains (malformed, not serialisable, a value the
 * database refuses): retrying cannot help. Buffered loggers report each such event alone (onError,
 * failedCount, rejectedCount), write its batch partners and never retry it. A subclass throws it
 * from handleBatch() to have its batch split until the event at fault (`event`, when known) is found.
 */
export class EventRejectedError extends AuditEventsError {
  readonly event: unknown;

  constructor(message: string, options?: { cause?: unknown; event?: unknown }) {
    super('AUDIT_EVENT_REJECTED', message, options);
    this.event = options?.event;
  }
}

/** A write was attempted after the store was closed. */
export class StoreClosedError extends AuditEventsError {
  constructor() {
    super('AUDIT_STORE_CLOSED', 'The event store is closed');
  }
}

/** An operation was cancelled through its AbortSignal. */
export class AbortedError extends AuditEventsError {
  constructor(message = 'The operation was aborted') {
    super('AUDIT_ABORTED', message);
  }
}

/**
 * An archive run stopped on an error. Batches committed before it stay archived: `archived` and
 * `batches` count them, and a re-run continues where this one stopped.
 */
export class ArchiveError extends AuditEventsError {
  readonly archived: number;
  readonly batches: number;

  constructor(message: string, progress: { archived: number; batches: number }, options?: { cause?: unknown }) {
    super('AUDIT_ARCHIVE_FAILED', message, options);
    this.archived = progress.archived;
    this.batches = progress.batches;
  }
}

/**
 * A database could not be reached (refused, timed out, unknown host, bad credentials, missing
 * database). `target` describes it with any password masked, so the message is safe to print.
 */
export class DatabaseUnreachableError extends AuditEventsError {
  readonly target: string;

  constructor(target: string, reason: string, options?: { cause?: unknown }) {
    super('AUDIT_DB_UNREACHABLE', `Cannot connect to ${target}: ${reason}`, options);
    this.target = target;
  }
}

/** An event draft is malformed (content not an object, invalid createdAt, bad field names). */
export class InvalidEventError extends AuditEventsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('AUDIT_BAD_EVENT', message, options);
  }
}

/**
 * Data handed to an audit API from outside the code — a request body given to a permission check,
 * a queue payload given to AuditContext.fromJSON — has the wrong shape. Apps answer it with 400:
 * it is the client's input, not a server fault.
 */
export class InvalidInputError extends AuditEventsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('AUDIT_BAD_INPUT', message, options);
  }
}

/**
 * A permission check refused its input as a whole before any rule ran (`reason`: the body names
 * one attribute twice, or more attributes than the check allows). One denied event records it.
 */
export class CheckInputRejectedError extends InvalidInputError {
  readonly reason: 'ambiguous_attributes' | 'too_many_attributes';

  constructor(reason: 'ambiguous_attributes' | 'too_many_attributes', message: string) {
    super(message);
    this.reason = reason;
  }
}

/** One refused decision inside a PermissionCheckError. `attribute` is null for an operation-level check. */
export interface PermissionDenial {
  action: string;
  attribute: string | null;
  manager: string | null;
  /** The expressions that were evaluated (inherited ones included). */
  permissions: readonly string[];
  /** Set when a rule threw: the check failed closed and this is why. */
  error?: unknown;
  /** `proposed`: the stored instance allowed, the state the change would leave behind did not. */
  state?: 'proposed';
}

/**
 * A permission check refused one or more attributes. Every denial of the call is listed in
 * `denials`, so a caller can report them all at once instead of failing on the first.
 */
export class PermissionCheckError extends AuditEventsError {
  readonly denials: readonly PermissionDenial[];
  readonly userId: string | null;

  constructor(denials: readonly PermissionDenial[], userId: string | null) {
    const who = userId === null ? 'anonymous' : `id=${userId}`;
    const what = denials
      .map((d) => `${d.action} ${d.manager ?? '?'}${d.attribute === null ? '' : `.${d.attribute}`}`)
      .join(', ');
    super('AUDIT_PERMISSION_DENIED', `Permission denied for user ${who}: ${what}`);
    this.denials = denials;
    this.userId = userId;
  }
}

/**
 * closeAuditing() could not flush everything: a store or logger failed or outlived the timeout.
 * `failures` names each one and why; everything else was closed. Events still pending in a store
 * that timed out are reported to their callers by the store itself (StoreTimeoutError).
 */
export class ShutdownError extends AuditEventsError {
  readonly failures: ReadonlyArray<{ what: string; error: unknown }>;

  constructor(failures: ReadonlyArray<{ what: string; error: unknown }>) {
    const list = failures
      .map((f) => `${f.what}: ${f.error instanceof Error ? f.error.message : String(f.error)}`)
      .join('; ');
    super('AUDIT_SHUTDOWN_INCOMPLETE', `Audit shutdown incomplete: ${list}`);
    this.failures = failures;
  }
}

/**
 * An export cannot go on: its keyset position stopped advancing, which only rows the store did not
 * write can cause (a created_at the driver does not return exactly, e.g. text in a SQLite column).
 */
export class ExportError extends AuditEventsError {
  constructor(message: string) {
    super('AUDIT_EXPORT_FAILED', message);
  }
}
