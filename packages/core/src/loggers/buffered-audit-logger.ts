import { StoreTimeoutError, StoreWriteError } from '../errors.js';
import type { AuditLogger } from '../permission/audit-logger.js';
import type { PermissionAuditEvent } from '../permission/event.js';
import {
  resolveBufferedOptions,
  type BufferedAuditLoggerOptions,
  type ResolvedBufferedOptions,
} from './buffered-options.js';
import { isProcessExiting, registerExitParticipant, reportSync, type ExitParticipant } from './exit-hooks.js';

/** Passed to handleBatch(): abort `signal` fires when exportTimeout expires. */
export interface BatchContext {
  readonly signal: AbortSignal;
  /** 0 for the first attempt, then 1, 2… for retries. */
  readonly attempt: number;
}

/** One batch on its way out. */
interface Job {
  readonly batch: readonly PermissionAuditEvent[];
  attempt: number;
  /** handleBatch() has been called for the current attempt and has not settled. */
  inAttempt: boolean;
  /** The export timeout expired; a later call of handleBatch for this job must not happen. */
  timedOut: boolean;
  /** Taken over by flushSync() at exit while waiting to retry. */
  abandoned: boolean;
  done: boolean;
  /** Aborted when the current attempt times out. */
  controller: AbortController | null;
}

type Outcome = { kind: 'ok' } | { kind: 'error'; error: unknown } | { kind: 'timeout' };

const WARN_INTERVAL_MS = 60_000;

/**
 * Queues events on the request path and hands them to `handleBatch()` in batches, modelled on
 * OpenTelemetry's BatchSpanProcessor:
 * - a batch goes out when `batchSize` events are queued, and every `flushInterval` ms whatever is
 *   queued goes out (a real period, not an idle timeout: steady light traffic is flushed too);
 * - the queue is bounded (`maxQueueSize`): when full, new events are dropped (a denied decision
 *   evicts the oldest queued granted one instead), counted in `droppedCount`, and one warning is emitted;
 * - exactly one batch is in flight; a failed batch is retried with exponential backoff
 *   (`maxRetries`), then reported to `onError` and counted in `failedCount`, and the logger
 *   carries on with the next batch;
 * - `flush()` resolves once every event recorded before it is handled; it does not close;
 * - `close()` runs once: flushes, releases resources, and drops (and counts) later records;
 * - timers are unref'd; queued events are flushed on normal exit and on SIGTERM/SIGINT through
 *   one shared set of process listeners.
 * Subclasses implement `handleBatch(events)` (sync or async) and, to survive `process.exit()`,
 * `handleBatchSync(events)`.
 */
export abstract class BufferedAuditLogger implements AuditLogger, ExitParticipant {
  readonly #opts: ResolvedBufferedOptions;
  #queue: PermissionAuditEvent[] = [];
  /** Events accepted so far; their sequence numbers are 1..#accepted. */
  #accepted = 0;
  /** Events handled (written, failed or reported lost), always a prefix of the accepted ones. */
  #settled = 0;
  /** Events up to this sequence number must go out now (flush or periodic timer). */
  #dueUpTo = 0;
  #written = 0;
  #failed = 0;
  #dropped = 0;
  #deniedDropped = 0;
  #inFlight: Promise<void> | null = null;
  #current: Job | null = null;
  /** A handleBatch() that outlived its timeout; the next one waits for it (one in flight). */
  #stuck: Promise<void> | null = null;
  #timer: unknown = null;
  #kickScheduled = false;
  /** A pump waits for the next turn of the event loop (see #resumeSoon). */
  #resumeScheduled = false;
  #waiters: Array<{ target: number; resolve: () => void }> = [];
  #closed = false;
  #closing: Promise<void> | null = null;
  #warnedFull = false;
  #warnedClosed = false;
  #lastErrorWarning = -Infinity;
  #unregisterExit: (() => void) | null = null;

  constructor(options: BufferedAuditLoggerOptions = {}) {
    this.#opts = resolveBufferedOptions(options);
    if (this.#opts.flushOnExit) {
      this.#unregisterExit = registerExitParticipant(this, { signals: this.#opts.handleSignals });
    }
  }

  /** Writes one batch. Throw (or reject) to have it retried. */
  protected abstract handleBatch(events: readonly PermissionAuditEvent[], context: BatchContext): void | Promise<void>;

  /** Optional synchronous writer, used at process exit where nothing asynchronous can run. */
  protected handleBatchSync?(events: readonly PermissionAuditEvent[]): void;

  /** Optional: release resources (file handles…) after the final flush of close(). */
  protected onClose?(): void | Promise<void>;

  /** Events dropped: queue full, recorded after close(), or lost at exit with no sync writer. */
  get droppedCount(): number {
    return this.#dropped;
  }

  /** Events in batches that failed for good (after retries, or timed out). */
  get failedCount(): number {
    return this.#failed;
  }

  /** Denied decisions among droppedCount: dropped only when the queue held nothing but denied ones. */
  get deniedDroppedCount(): number {
    return this.#deniedDropped;
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

  /** Queues the event. Never throws, never blocks on I/O. */
  record(event: PermissionAuditEvent): void {
    try {
      if (this.#closed) {
        this.#drop('closed');
        return;
      }
      if (this.#queue.length >= this.#opts.maxQueueSize) {
        // A denied decision outranks granted noise: it takes the place of the oldest granted one.
        const evict = event.granted === false ? this.#queue.findIndex((queued) => queued.granted !== false) : -1;
        this.#drop('full');
        if (evict === -1) {
          if (event.granted === false) this.#deniedDropped++;
          return;
        }
        this.#queue.splice(evict, 1);
        this.#queue.push(event); // same length: the accepted/settled sequence numbers stay true
        return;
      }
      this.#queue.push(event);
      this.#accepted++;
      if (isProcessExiting()) {
        // Inside 'exit' listeners no timer or promise will run again: write now or report.
        this.flushSync();
      } else if (!this.#opts.useWorker) {
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
      reportSync(`audit-events: ${this.constructor.name}.record failed: ${err instanceof Error ? err.message : String(err)}`);
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
    const job = this.#current;
    if (job !== null && !job.done && !job.inAttempt && !job.abandoned) {
      // Waiting for a retry: its events were not written, so write them now.
      job.abandoned = true;
      job.done = true;
      this.#current = null;
      events.push(...job.batch);
    }
    const inFlight = job !== null && !job.done && job.inAttempt ? job.batch.length : 0;
    events.push(...this.#queue.splice(0));
    if (events.length === 0) return;
    const writer = this.handleBatchSync;
    if (typeof writer !== 'function') {
      this.#dropped += events.length;
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
      try {
        writer.call(this, chunk);
        this.#written += chunk.length;
      } catch (err) {
        this.#failed += chunk.length;
        reportSync(
          `audit-events: ${this.constructor.name} could not write ${chunk.length} permission audit event(s) at exit: ` +
            `${err instanceof Error ? err.message : String(err)}`,
        );
      }
      this.#settle(chunk.length);
    }
  }

  #drop(reason: 'full' | 'closed'): void {
    this.#dropped++;
    if (reason === 'full' && !this.#warnedFull) {
      this.#warnedFull = true;
      process.emitWarning(
        `${this.constructor.name}: queue full (maxQueueSize ${this.#opts.maxQueueSize}); new permission audit ` +
          'events are dropped and counted in droppedCount',
        { code: 'AUDIT_LOGGER_QUEUE_FULL' },
      );
    } else if (reason === 'closed' && !this.#warnedClosed) {
      this.#warnedClosed = true;
      process.emitWarning(
        `${this.constructor.name}: record() after close(); the event is dropped and counted in droppedCount`,
        { code: 'AUDIT_LOGGER_CLOSED' },
      );
    }
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
      const batch = this.#queue.splice(0, this.#opts.batchSize);
      const pending = this.#export(batch);
      if (pending !== undefined) {
        const resume = (): void => {
          this.#inFlight = null;
          this.#resumeSoon();
        };
        // #continue settles every outcome itself; a rejection here would be a bug in this class,
        // which must still not stall the logger or surface as an unhandled rejection.
        this.#inFlight = pending.then(resume, (err: unknown) => {
          reportSync(`audit-events: ${this.constructor.name} internal error: ${err instanceof Error ? err.message : String(err)}`);
          resume();
        });
        return;
      }
    }
    if (this.#queue.length > 0 && this.#timer === null && this.#opts.useWorker && !isProcessExiting()) {
      this.#startTimer();
    }
  }

  /**
   * The next due batch starts on a fresh turn of the event loop. A handleBatch whose promise
   * settles on microtasks alone (a synchronous driver such as better-sqlite3 behind knex) would
   * otherwise drain a full queue batch after batch without yielding: no timer (exportTimeout), no
   * I/O, no request of the host app and no signal handler could run until it was empty.
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

  /** Sync-first: a synchronous handleBatch finishes here without a tick; otherwise returns the async continuation. */
  #export(batch: readonly PermissionAuditEvent[]): Promise<void> | undefined {
    const job: Job = { batch, attempt: 0, inAttempt: false, timedOut: false, abandoned: false, done: false, controller: null };
    this.#current = job;
    if (this.#stuck !== null) return this.#continue(job, this.#startAttempt(job));
    for (;;) {
      let result: void | Promise<void>;
      try {
        result = this.#call(job);
      } catch (err) {
        job.inAttempt = false;
        if (job.attempt >= this.#opts.maxRetries) {
          this.#fail(job, err);
          return undefined;
        }
        job.attempt++;
        // Without a worker (tests) or at exit there is no later: retry at once.
        if (!this.#opts.useWorker || isProcessExiting()) continue;
        return this.#continue(job, null);
      }
      if (isThenable(result)) return this.#continue(job, Promise.resolve(result));
      job.inAttempt = false;
      this.#succeed(job);
      return undefined;
    }
  }

  #call(job: Job): void | Promise<void> {
    job.inAttempt = true;
    const controller = new AbortController();
    job.controller = controller;
    return this.handleBatch(job.batch, { signal: controller.signal, attempt: job.attempt });
  }

  /** Starts an attempt as a promise; waits first for a timed-out predecessor still running. */
  #startAttempt(job: Job): Promise<void> {
    const stuck = this.#stuck;
    if (stuck === null) {
      try {
        return Promise.resolve(this.#call(job));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return stuck.then(() => {
      if (job.timedOut || job.abandoned) return undefined;
      return this.#call(job);
    });
  }

  /** The asynchronous part of an export: await the attempt under the timeout, back off, retry. */
  async #continue(job: Job, attempt: Promise<void> | null): Promise<void> {
    let pending = attempt;
    for (;;) {
      if (pending === null) {
        await this.#sleep(this.#backoff(job.attempt));
        if (job.abandoned) return;
        pending = this.#startAttempt(job);
      }
      const outcome = await this.#withTimeout(pending, job);
      job.inAttempt = false;
      if (job.abandoned) return;
      if (outcome.kind === 'ok') {
        this.#succeed(job);
        return;
      }
      if (outcome.kind === 'timeout') {
        // The outcome of a timed-out write is unknown, so it is not retried (that could store
        // it twice); it is reported. The next batch waits for it to settle, keeping one in flight.
        const stuck: Promise<void> = pending.then(
          () => undefined,
          () => undefined,
        );
        this.#stuck = stuck;
        void stuck.then(() => {
          if (this.#stuck === stuck) this.#stuck = null;
        });
        this.#fail(
          job,
          new StoreTimeoutError(
            `${this.constructor.name}: a batch of ${job.batch.length} permission audit event(s) did not finish within ` +
              `exportTimeout (${this.#opts.exportTimeout} ms); whether it was written is unknown`,
          ),
        );
        return;
      }
      if (job.attempt >= this.#opts.maxRetries) {
        this.#fail(job, outcome.error);
        return;
      }
      job.attempt++;
      pending = null;
    }
  }

  #withTimeout(pending: Promise<void>, job: Job): Promise<Outcome> {
    return new Promise<Outcome>((resolve) => {
      const handle = this.#opts.scheduler.setTimeout(() => {
        job.timedOut = true;
        job.controller?.abort(new StoreTimeoutError('export timeout'));
        resolve({ kind: 'timeout' });
      }, this.#opts.exportTimeout);
      pending.then(
        () => {
          this.#opts.scheduler.clearTimeout(handle);
          resolve({ kind: 'ok' });
        },
        (error: unknown) => {
          this.#opts.scheduler.clearTimeout(handle);
          resolve({ kind: 'error', error });
        },
      );
    });
  }

  #backoff(attempt: number): number {
    return Math.min(this.#opts.retryDelay * 2 ** (attempt - 1), this.#opts.maxRetryDelay);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#opts.scheduler.setTimeout(resolve, ms);
    });
  }

  #succeed(job: Job): void {
    if (job.done) return;
    job.done = true;
    if (this.#current === job) this.#current = null;
    this.#written += job.batch.length;
    this.#settle(job.batch.length);
  }

  #fail(job: Job, error: unknown): void {
    if (job.done) return;
    job.done = true;
    if (this.#current === job) this.#current = null;
    const count = job.batch.length;
    this.#failed += count;
    const typed =
      error instanceof StoreTimeoutError
        ? error
        : new StoreWriteError(
            `${this.constructor.name}: a batch of ${count} permission audit event(s) failed after ` +
              `${job.attempt + 1} attempt(s): ${error instanceof Error ? error.message : String(error)}`,
            count,
            { cause: error },
          );
    this.#report(typed, job.batch);
    this.#settle(count);
  }

  #report(error: Error, batch: readonly PermissionAuditEvent[]): void {
    const onError = this.#opts.onError;
    if (onError !== null) {
      try {
        onError(error, batch);
        return;
      } catch (hookError) {
        process.emitWarning(
          `${this.constructor.name}: onError threw: ${hookError instanceof Error ? hookError.message : String(hookError)}`,
          { code: 'AUDIT_LOGGER_ON_ERROR_FAILED' },
        );
      }
    }
    // No hook: warn, at most once a minute so a dead backend does not flood the logs; the
    // exact number is always in failedCount.
    const now = Date.now();
    if (now - this.#lastErrorWarning >= WARN_INTERVAL_MS) {
      this.#lastErrorWarning = now;
      process.emitWarning(`${error.message} (failedCount is now ${this.#failed})`, { code: error instanceof StoreTimeoutError ? 'AUDIT_STORE_TIMEOUT' : 'AUDIT_STORE_WRITE_FAILED' });
    }
  }

  #settle(count: number): void {
    this.#settled += count;
    while (this.#waiters.length > 0 && this.#waiters[0]!.target <= this.#settled) {
      this.#waiters.shift()!.resolve();
    }
  }
}

function isThenable(value: unknown): value is Promise<void> {
  return value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';
}
