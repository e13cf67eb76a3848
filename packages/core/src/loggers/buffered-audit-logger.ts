import { ConfigurationError, EventRejectedError } from '../errors.js';
import { ADMITS_DECISION, type AdmissionCheck, type AuditLogger } from '../permission/audit-logger.js';
import type { PermissionAuditEvent } from '../permission/event.js';
import type { AuditBatchExporter, BatchContext } from './batch-exporter.js';
import {
  resolveBufferedOptions,
  type BufferedAuditLoggerOptions,
  type ResolvedBufferedOptions,
} from './buffered-options.js';
import { DecisionQueue, isDenied } from './decision-queue.js';
import { checkEventFields } from './event-check.js';
import { isProcessExiting, registerExitParticipant, reportSync, type ExitParticipant } from './exit-hooks.js';
import { culpritOf, isRefusal } from './export-job.js';
import { ExportRunner } from './export-runner.js';
import { LoggerWarnings } from './logger-warnings.js';

export type { BatchContext } from './batch-exporter.js';

// Over 300 lines on purpose: record/flush/close/flushSync and the pump share one set of counters
// (accepted, settled, due), whose invariants are easier to check in one place than across files.

/**
 * The processor of permission audit events, modelled on OpenTelemetry's BatchSpanProcessor: it
 * queues events on the request path and hands them in batches to an exporter (`new
 * BufferedAuditLogger(exporter, options)`) or to a subclass's `handleBatch()`.
 * - a batch goes out when `batchSize` events are queued, and every `flushInterval` ms whatever is
 *   queued goes out (a real period, not an idle timeout: steady light traffic is flushed too);
 * - the queue is bounded (`maxQueueSize`): when full, a decision that denied something evicts the
 *   oldest queued granted one; any other new event is dropped; drops are counted in
 *   `droppedCount` (denied ones also in `droppedDeniedCount`) and warned about once;
 * - exactly one batch is in flight; a failed batch is retried with exponential backoff
 *   (`maxRetries`), then reported to `onError` and counted in `failedCount`;
 * - one bad event never takes its batch partners down: a malformed event is refused when its
 *   batch is built, and a batch the sink refuses for its content (EventRejectedError) is split
 *   until the events at fault are found; refused events are reported one by one, never retried;
 * - `flush()` resolves once every event recorded before it is handled; it does not close;
 * - `close()` runs once: flushes, releases resources, and drops (and counts) later records;
 * - timers are unref'd; queued events are flushed on normal exit and on SIGTERM/SIGINT.
 * This class owns the queue (decision-queue.ts), scheduling, flush, close and the exit-time path;
 * export-runner.ts runs one batch (attempts, timeout and backoff on the injectable Scheduler,
 * splitting: export-job.ts); logger-warnings.ts says what was lost.
 */
export class BufferedAuditLogger implements AuditLogger, AdmissionCheck, ExitParticipant {
  readonly #opts: ResolvedBufferedOptions;
  readonly #exporter: AuditBatchExporter | null;
  readonly #queue = new DecisionQueue();
  readonly #warnings: LoggerWarnings;
  /** Events accepted so far; their sequence numbers are 1..#accepted. */
  #accepted = 0;
  /** Events handled (written, failed or reported lost), always a prefix of the accepted ones. */
  #settled = 0;
  /** Events up to this sequence number must go out now (flush or periodic timer). */
  #dueUpTo = 0;
  #written = 0;
  #failed = 0;
  #dropped = 0;
  #droppedDenied = 0;
  #rejected = 0;
  readonly #runner: ExportRunner;
  #inFlight: Promise<void> | null = null;
  #timer: unknown = null;
  #kickScheduled = false;
  /** A pump waits for the next turn of the event loop (see #resumeSoon). */
  #resumeScheduled = false;
  #waiters: Array<{ target: number; resolve: () => void }> = [];
  #closed = false;
  #closing: Promise<void> | null = null;
  #unregisterExit: (() => void) | null = null;

  constructor(options?: BufferedAuditLoggerOptions);
  constructor(exporter: AuditBatchExporter, options?: BufferedAuditLoggerOptions);
  constructor(first: AuditBatchExporter | BufferedAuditLoggerOptions = {}, second?: BufferedAuditLoggerOptions) {
    const exporter = isExporter(first) ? first : null;
    this.#opts = resolveBufferedOptions(exporter === null ? (first as BufferedAuditLoggerOptions) : (second ?? {}));
    // Subclasses implement handleBatch() (possibly as a class field, set after this constructor).
    if (exporter === null && new.target === BufferedAuditLogger) {
      throw new ConfigurationError(
        'exporter',
        'pass an exporter ({ export(events) {…} }) or subclass and implement handleBatch()',
      );
    }
    this.#exporter = exporter;
    if (exporter?.exportSync !== undefined) this.handleBatchSync = (events) => exporter.exportSync!(events);
    this.#warnings = new LoggerWarnings(this.constructor.name, this.#opts.maxQueueSize, this.#opts.onError);
    this.#runner = new ExportRunner(this.constructor.name, this.#opts, {
      send: (events, context) => this.handleBatch(events, context),
      written: (count) => {
        this.#written += count;
      },
      refuse: (event, reason) => this.#refuse(event, reason),
      failed: (error, lost) => {
        this.#failed += lost.length;
        this.#warnings.failure(error, lost, this.#failed);
      },
      settle: (count) => this.#settle(count),
    });
    if (this.#opts.flushOnExit) {
      this.#unregisterExit = registerExitParticipant(this, { signals: this.#opts.handleSignals });
    }
  }

  /**
   * Writes one batch; subclasses override it (the simple path), otherwise the exporter's
   * `export()` runs. The contract is AuditBatchExporter.export's.
   */
  protected handleBatch(events: readonly PermissionAuditEvent[], context: BatchContext): void | Promise<void> {
    return this.#exporter!.export(events, context);
  }

  /** Optional synchronous writer, used at process exit where nothing asynchronous can run. */
  protected handleBatchSync?(events: readonly PermissionAuditEvent[]): void;

  /** Optional: release resources (file handles…) after the final flush of close(). */
  protected onClose?(): void | Promise<void>;

  /**
   * Events dropped: queue full (new, or granted ones evicted by a denied one), recorded after
   * close(), or lost at exit with no sync writer.
   */
  get droppedCount(): number {
    return this.#dropped;
  }

  /** Of droppedCount, the decisions that denied something (granted === false). */
  get droppedDeniedCount(): number {
    return this.#droppedDenied;
  }

  /** Events that failed for good: in batches that failed after retries or timed out, or refused alone. */
  get failedCount(): number {
    return this.#failed;
  }

  /** Of failedCount, the events refused alone for what they contain (malformed, refused by the sink). */
  get rejectedCount(): number {
    return this.#rejected;
  }

  /** Events handed to handleBatch() successfully. */
  get writtenCount(): number {
    return this.#written;
  }

  /** Events accepted and not yet handled (queued or in flight). */
  get pendingCount(): number {
    return this.#accepted - this.#settled;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Whether record() would keep a decision with this outcome now; when not, the drop is counted
   * here, as record() would count it (see ADMITS_DECISION). A denial is admitted while a queued
   * granted decision can make room for it.
   */
  [ADMITS_DECISION](granted: unknown): boolean {
    if (!this.#closed && this.#queue.length < this.#opts.maxQueueSize) return true;
    if (!this.#closed && granted === false && this.#queue.hasGranted) return true;
    this.#countDrop(this.#closed ? 'closed' : 'full', granted === false);
    return false;
  }

  /** Queues the event. Never throws, never blocks on I/O. */
  record(event: PermissionAuditEvent): void {
    try {
      if (this.#closed) {
        this.#drop('closed', event);
        return;
      }
      if (this.#queue.length >= this.#opts.maxQueueSize) {
        if (isDenied(event) && this.#queue.evictGrantedFor(event)) {
          // The new event takes over the evicted one's accounting, so flush() targets stay exact.
          this.#dropped++;
          this.#warnings.queueFull();
        } else {
          this.#drop('full', event);
        }
        return;
      }
      this.#queue.push(event);
      this.#accepted++;
      if (isProcessExiting()) {
        // Inside 'exit' listeners no timer or promise will run again: write now or report.
        this.flushSync();
      } else if (this.#opts.sync) {
        this.#dueUpTo = this.#accepted;
        this.#pump();
      } else if (this.#queue.length >= this.#opts.batchSize) {
        this.#kickSoon();
      } else if (this.#timer === null) {
        this.#startTimer();
      }
    } catch (err) {
      // Only a bug here could throw; the event must still not take the caller down.
      this.#dropped++;
      reportSync(
        `audit-events: ${this.constructor.name}.record failed: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  /** Resolves once every event recorded before this call is handled. Concurrent calls share the work. */
  flush(): Promise<void> {
    const target = this.#accepted;
    if (this.#settled >= target) return Promise.resolve();
    if (this.#dueUpTo < target) this.#dueUpTo = target;
    const done = new Promise<void>((resolve) => this.#waiters.push({ target, resolve }));
    this.#pump();
    return done;
  }

  /** Flushes, then releases resources. Runs once; later calls return the same promise. */
  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    this.#closed = true;
    this.#closing = (async () => {
      try {
        await this.flush();
      } finally {
        this.#clearTimer();
        this.#unregisterExit?.();
        this.#unregisterExit = null;
        await this.onClose?.();
        await this.#exporter?.shutdown?.();
      }
    })();
    return this.#closing;
  }

  /**
   * Hands everything still queued to handleBatchSync() right now, or, without one, counts it as
   * dropped and says so on stderr. Called on process exit; safe to call directly.
   */
  flushSync(): void {
    const events: PermissionAuditEvent[] = [];
    const job = this.#runner.current;
    if (job !== null && !job.done && !job.abandoned) {
      const waiting = job.takeWaiting();
      if (!job.inAttempt) {
        job.abandoned = true;
        job.done = true;
        this.#runner.abandonCurrent();
        // Written parts and refused events of the job are settled here, the taken ones below.
        this.#settle(job.size - waiting.length);
      } else {
        job.size -= waiting.length;
      }
      events.push(...waiting);
    }
    const inFlight = job !== null && !job.done && job.inAttempt ? job.batch.length : 0;
    const queued = this.#queue.take(this.#queue.length);
    const valid = this.#admit(queued);
    this.#settle(queued.length - valid.length);
    events.push(...valid);
    if (events.length === 0) return;
    const writer = this.handleBatchSync;
    if (typeof writer !== 'function') {
      this.#dropped += events.length;
      for (const event of events) if (isDenied(event)) this.#droppedDenied++;
      this.#settle(events.length);
      reportSync(
        `audit-events: ${this.constructor.name} lost ${events.length} permission audit event(s): the process ` +
          `exited before they were written${inFlight > 0 ? ` (${inFlight} more were in flight, outcome unknown)` : ''}. ` +
          'Await logger.close() before exiting.',
      );
      return;
    }
    for (let i = 0; i < events.length; i += this.#opts.batchSize) {
      const chunk = events.slice(i, i + this.#opts.batchSize);
      this.#writeSync(writer, chunk);
      this.#settle(chunk.length);
    }
  }

  /** One synchronous write at exit; a chunk refused for its content is split like an asynchronous batch. */
  #writeSync(writer: (events: readonly PermissionAuditEvent[]) => void, chunk: readonly PermissionAuditEvent[]): void {
    try {
      writer.call(this, chunk);
      this.#written += chunk.length;
    } catch (err) {
      if (!isRefusal(err)) {
        this.#failed += chunk.length;
        reportSync(
          `audit-events: ${this.constructor.name} could not write ${chunk.length} permission audit event(s) at exit: ` +
            `${err instanceof Error ? err.message : String(err)}`,
        );
        return;
      }
      const culprit = culpritOf(err, chunk) ?? (chunk.length === 1 ? chunk[0] : undefined);
      if (culprit !== undefined) {
        this.#refuse(culprit, err);
        const rest = chunk.filter((e) => e !== culprit);
        if (rest.length > 0) this.#writeSync(writer, rest);
      } else {
        const mid = Math.ceil(chunk.length / 2);
        this.#writeSync(writer, chunk.slice(0, mid));
        this.#writeSync(writer, chunk.slice(mid));
      }
    }
  }

  /** The events of `events` that are well-formed; the others are refused (reported and counted) here. */
  #admit(events: readonly PermissionAuditEvent[]): PermissionAuditEvent[] {
    const valid: PermissionAuditEvent[] = [];
    for (const event of events) {
      try {
        checkEventFields(event);
        valid.push(event);
      } catch (err) {
        this.#refuse(event, err);
      }
    }
    return valid;
  }

  /** Counts and reports one event refused for its content. */
  #refuse(event: PermissionAuditEvent, reason: unknown): void {
    this.#failed++;
    this.#rejected++;
    const error =
      reason instanceof EventRejectedError && reason.event === event
        ? reason
        : new EventRejectedError(
            `${this.constructor.name}: a permission audit event was refused and is not retried: ` +
              `${reason instanceof Error ? reason.message : String(reason)}`,
            { cause: reason, event },
          );
    this.#warnings.failure(error, [event], this.#failed);
  }

  #drop(reason: 'full' | 'closed', event: PermissionAuditEvent): void {
    this.#countDrop(reason, isDenied(event));
  }

  #countDrop(reason: 'full' | 'closed', denied: boolean): void {
    this.#dropped++;
    if (denied) {
      this.#droppedDenied++;
      this.#warnings.deniedDropped(reason);
    }
    if (reason === 'full') this.#warnings.queueFull();
    else this.#warnings.recordedAfterClose();
  }

  #kickSoon(): void {
    if (this.#kickScheduled) return;
    this.#kickScheduled = true;
    // Out of the caller's synchronous code: record() stays cheap even when it fills a batch.
    queueMicrotask(() => {
      this.#kickScheduled = false;
      this.#pump();
    });
  }

  #startTimer(): void {
    this.#timer = this.#opts.scheduler.setTimeout(() => {
      this.#timer = null;
      if (this.#dueUpTo < this.#accepted) this.#dueUpTo = this.#accepted;
      this.#pump();
    }, this.#opts.flushInterval);
  }

  #clearTimer(): void {
    if (this.#timer === null) return;
    this.#opts.scheduler.clearTimeout(this.#timer);
    this.#timer = null;
  }

  #isDue(): boolean {
    const queued = this.#queue.length;
    // With nothing in flight, the queue head has sequence number #settled + 1.
    return queued > 0 && (queued >= this.#opts.batchSize || this.#dueUpTo > this.#settled);
  }

  /** Exports due batches one at a time; an asynchronous export resumes the pump when it settles. */
  #pump(): void {
    if (this.#inFlight !== null) return;
    while (this.#isDue()) {
      const pending = this.#export(this.#queue.take(this.#opts.batchSize));
      if (pending !== undefined) {
        const resume = (): void => {
          this.#inFlight = null;
          this.#resumeSoon();
        };
        // #continue settles every outcome itself; a rejection here would be a bug in this class,
        // which must still not stall the logger or surface as an unhandled rejection.
        this.#inFlight = pending.then(resume, (err: unknown) => {
          reportSync(
            `audit-events: ${this.constructor.name} internal error: ${err instanceof Error ? err.message : String(err)}`,
          );
          resume();
        });
        return;
      }
    }
    if (this.#queue.length > 0 && this.#timer === null && !this.#opts.sync && !isProcessExiting()) {
      this.#startTimer();
    }
  }

  /**
   * The next due batch starts on a fresh turn of the event loop: an export settling on microtasks
   * alone (better-sqlite3 behind knex) would otherwise drain a full queue without yielding to
   * timers (exportTimeout), I/O, the host app's requests or signal handlers.
   */
  #resumeSoon(): void {
    if (!this.#isDue() || isProcessExiting()) {
      this.#pump();
      return;
    }
    if (this.#resumeScheduled) return;
    this.#resumeScheduled = true;
    setImmediate(() => {
      this.#resumeScheduled = false;
      this.#pump();
    });
  }

  /** Sync-first: a synchronous export finishes here without a tick; otherwise returns the async continuation. */
  #export(taken: readonly PermissionAuditEvent[]): Promise<void> | undefined {
    const batch = this.#admit(taken);
    if (batch.length > 0) return this.#runner.run(batch, taken.length);
    // Nothing in flight before it, so settling here keeps settlement in queue order.
    this.#settle(taken.length);
    return undefined;
  }

  #settle(count: number): void {
    this.#settled += count;
    while (this.#waiters.length > 0 && this.#waiters[0]!.target <= this.#settled) {
      this.#waiters.shift()!.resolve();
    }
  }
}

function isExporter(value: unknown): value is AuditBatchExporter {
  return value !== null && typeof value === 'object' && typeof (value as { export?: unknown }).export === 'function';
}
