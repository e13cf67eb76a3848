import { EventRejectedError, StoreTimeoutError, StoreWriteError } from '../errors.js';
import type { AuditLogger } from '../permission/audit-logger.js';
import type { PermissionAuditEvent } from '../permission/event.js';
import {
  resolveBufferedOptions,
  type BufferedAuditLoggerOptions,
  type ResolvedBufferedOptions,
} from './buffered-options.js';
import { checkEventFields } from './event-check.js';
import { isProcessExiting, registerExitParticipant, reportSync, type ExitParticipant } from './exit-hooks.js';

/** Passed to handleBatch(): abort `signal` fires when exportTimeout expires. */
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

/** One batch on its way out, possibly in parts (see #split). */
interface Job {
  /** The part being handed to handleBatch(). */
  batch: readonly PermissionAuditEvent[];
  /** Parts after it: a batch refused as a whole is split until the events at fault are found. */
  rest: Array<readonly PermissionAuditEvent[]>;
  /** Events settled when the job is done: all the job took from the queue. */
  size: number;
  /** Events refused alone; they are left out of every later part and retry. */
  readonly rejected: Set<PermissionAuditEvent>;
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

/** After a failed attempt: hand over the next part, retry this one after a delay, or stop. */
type Step = 'next' | 'retry' | 'done';

/**
 * Errors that say the events themselves are at fault, so a retry cannot succeed. Matched by code,
 * not class, so a second copy of the core package is understood too.
 */
const REFUSAL_CODES = new Set(['AUDIT_EVENT_REJECTED', 'AUDIT_BAD_EVENT', 'AUDIT_NOT_JSON']);

function isRefusal(err: unknown): boolean {
  return err !== null && typeof err === 'object' && REFUSAL_CODES.has(String((err as { code?: unknown }).code));
}

const WARN_INTERVAL_MS = 60_000;

/**
 * Queues events on the request path and hands them to `handleBatch()` in batches, modelled on
 * OpenTelemetry's BatchSpanProcessor:
 * - a batch goes out when `batchSize` events are queued, and every `flushInterval` ms whatever is
 *   queued goes out (a real period, not an idle timeout: steady light traffic is flushed too);
 * - the queue is bounded (`maxQueueSize`): when full, a decision that denied something evicts the
 *   oldest queued granted one (so a flood of granted noise cannot push denials out); any other
 *   new event is dropped; drops are counted in `droppedCount` (denied ones also in
 *   `droppedDeniedCount`, with a warning of their own), and one warning is emitted;
 * - exactly one batch is in flight; a failed batch is retried with exponential backoff
 *   (`maxRetries`), then reported to `onError` and counted in `failedCount`, and the logger
 *   carries on with the next batch;
 * - one bad event never takes its batch partners down: a malformed event is refused when its
 *   batch is built, and a batch the sink refuses for its content (handleBatch throws
 *   EventRejectedError) is split until the events at fault are found; refused events are reported
 *   one by one (onError, failedCount, rejectedCount) and never retried;
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
  #droppedDenied = 0;
  #rejected = 0;
  /** Queued events that did not deny anything: the ones a denied decision may evict. */
  #queuedGranted = 0;
  /** The first #deniedPrefix queued events are known to be denied: eviction searches after them. */
  #deniedPrefix = 0;
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
  #warnedDenied = false;
  #warnedClosed = false;
  #lastErrorWarning = -Infinity;
  #unregisterExit: (() => void) | null = null;

  constructor(options: BufferedAuditLoggerOptions = {}) {
    this.#opts = resolveBufferedOptions(options);
    if (this.#opts.flushOnExit) {
      this.#unregisterExit = registerExitParticipant(this, { signals: this.#opts.handleSignals });
    }
  }

  /**
   * Writes one batch. Throw (or reject) to have it retried; throw an EventRejectedError when the
   * sink refused the batch for what an event contains (nothing of the call was written): the batch
   * is then split, or, when the error names its `event`, handed over again without that event.
   */
  protected abstract handleBatch(events: readonly PermissionAuditEvent[], context: BatchContext): void | Promise<void>;

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

  /** Queues the event. Never throws, never blocks on I/O. */
  record(event: PermissionAuditEvent): void {
    try {
      if (this.#closed) {
        this.#drop('closed', event);
        return;
      }
      if (this.#queue.length >= this.#opts.maxQueueSize) {
        if (!(isDenied(event) && this.#evictGranted(event))) this.#drop('full', event);
        return;
      }
      this.#queue.push(event);
      if (!isDenied(event)) this.#queuedGranted++;
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
    if (job !== null && !job.done && !job.abandoned) {
      // Parts not in flight (waiting for a retry, or next after a split) were not written: write them now.
      const waiting = [...(job.inAttempt ? [] : [job.batch]), ...job.rest.splice(0)].flat().filter((e) => !job.rejected.has(e));
      if (!job.inAttempt) {
        job.abandoned = true;
        job.done = true;
        this.#current = null;
        // Written parts and refused events of the job are settled here, the taken ones below.
        this.#settle(job.size - waiting.length);
      } else {
        job.size -= waiting.length;
      }
      events.push(...waiting);
    }
    const inFlight = job !== null && !job.done && job.inAttempt ? job.batch.length : 0;
    const queued = this.#take(this.#queue.length);
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
      if (isRefusal(err)) {
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
        return;
      }
      this.#failed += chunk.length;
      reportSync(
        `audit-events: ${this.constructor.name} could not write ${chunk.length} permission audit event(s) at exit: ` +
          `${err instanceof Error ? err.message : String(err)}`,
      );
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
    this.#report(error, [event]);
  }

  /** Takes `count` events from the head of the queue. */
  #take(count: number): PermissionAuditEvent[] {
    const taken = this.#queue.splice(0, count);
    if (this.#queue.length === 0) {
      this.#queuedGranted = 0;
    } else {
      for (const event of taken) if (!isDenied(event)) this.#queuedGranted--;
    }
    this.#deniedPrefix = Math.max(0, this.#deniedPrefix - taken.length);
    return taken;
  }

  /**
   * On a full queue, a denied decision takes the place of the oldest queued granted one, which is
   * dropped (and counted). The new event takes over the evicted one's accounting, so counts
   * and flush() targets stay exact. False when every queued event is a denial.
   */
  #evictGranted(event: PermissionAuditEvent): boolean {
    if (this.#queuedGranted === 0) return false;
    const queue = this.#queue;
    let i = this.#deniedPrefix;
    while (i < queue.length && isDenied(queue[i])) i++;
    this.#deniedPrefix = i;
    if (i === queue.length) return false;
    queue.splice(i, 1);
    queue.push(event);
    this.#queuedGranted--;
    this.#dropped++;
    this.#warnFull();
    return true;
  }

  #warnFull(): void {
    if (this.#warnedFull) return;
    this.#warnedFull = true;
    process.emitWarning(
      `${this.constructor.name}: queue full (maxQueueSize ${this.#opts.maxQueueSize}); new permission audit ` +
        'events are dropped (a denied decision evicts the oldest queued granted one) and counted in droppedCount',
      { code: 'AUDIT_LOGGER_QUEUE_FULL' },
    );
  }

  #drop(reason: 'full' | 'closed', event: PermissionAuditEvent): void {
    this.#dropped++;
    if (isDenied(event)) {
      this.#droppedDenied++;
      if (!this.#warnedDenied) {
        this.#warnedDenied = true;
        process.emitWarning(
          `${this.constructor.name}: a permission decision that denied something was dropped ` +
            `(${reason === 'full' ? 'queue full of denied decisions' : 'record() after close()'}); counted in droppedDeniedCount`,
          { code: 'AUDIT_LOGGER_DENIED_DROPPED' },
        );
      }
    }
    if (reason === 'full') {
      this.#warnFull();
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
      const batch = this.#take(this.#opts.batchSize);
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
  #export(taken: readonly PermissionAuditEvent[]): Promise<void> | undefined {
    const batch = this.#admit(taken);
    if (batch.length === 0) {
      // Nothing in flight before it, so settling here keeps settlement in queue order.
      this.#settle(taken.length);
      return undefined;
    }
    const job: Job = {
      batch,
      rest: [],
      size: taken.length,
      rejected: new Set(),
      attempt: 0,
      inAttempt: false,
      timedOut: false,
      abandoned: false,
      done: false,
      controller: null,
    };
    this.#current = job;
    if (this.#stuck !== null) return this.#continue(job, this.#startAttempt(job));
    for (;;) {
      let result: void | Promise<void>;
      try {
        result = this.#call(job);
      } catch (err) {
        job.inAttempt = false;
        const step = this.#afterError(job, err);
        if (step === 'done') return undefined;
        // Without a worker (tests) or at exit there is no later: retry at once.
        if (step === 'next' || !this.#opts.useWorker || isProcessExiting()) continue;
        return this.#continue(job, null);
      }
      if (isThenable(result)) return this.#continue(job, Promise.resolve(result));
      job.inAttempt = false;
      if (!this.#succeed(job)) return undefined;
    }
  }

  #call(job: Job): void | Promise<void> {
    job.inAttempt = true;
    const controller = new AbortController();
    job.controller = controller;
    const part = job.batch;
    const reject = (event: PermissionAuditEvent, reason: unknown): void => {
      // Late calls (after a timeout, or for another part) would count an event twice.
      if (job.done || job.timedOut || job.batch !== part || job.rejected.has(event) || !part.includes(event)) return;
      job.rejected.add(event);
      this.#refuse(event, reason);
    };
    return this.handleBatch(part, { signal: controller.signal, attempt: job.attempt, reject });
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
      let step: Step;
      if (outcome.kind === 'ok') {
        step = this.#succeed(job) ? 'next' : 'done';
      } else if (outcome.kind === 'timeout') {
        // The outcome of a timed-out write is unknown, so it is not retried (that could store
        // it twice); it is reported. The next write waits for it to settle, keeping one in flight.
        const stuck: Promise<void> = pending.then(
          () => undefined,
          () => undefined,
        );
        this.#stuck = stuck;
        void stuck.then(() => {
          if (this.#stuck === stuck) this.#stuck = null;
        });
        step = this.#fail(
          job,
          new StoreTimeoutError(
            `${this.constructor.name}: a batch of ${this.#live(job).length} permission audit event(s) did not finish within ` +
              `exportTimeout (${this.#opts.exportTimeout} ms); whether it was written is unknown`,
          ),
        )
          ? 'next'
          : 'done';
      } else {
        step = this.#afterError(job, outcome.error);
      }
      if (step === 'done') return;
      pending = step === 'next' ? this.#startAttempt(job) : null;
    }
  }

  /**
   * A refusal (the events are at fault) is never retried: the part is split, or handed over again
   * without the event the error names, until each event at fault is refused alone. Anything else
   * is retried up to maxRetries, then the part fails.
   */
  #afterError(job: Job, error: unknown): Step {
    if (isRefusal(error)) return this.#split(job, error) ? 'next' : 'done';
    if (job.attempt >= this.#opts.maxRetries) return this.#fail(job, error) ? 'next' : 'done';
    job.attempt++;
    return 'retry';
  }

  #split(job: Job, error: unknown): boolean {
    const live = this.#live(job);
    const culprit = culpritOf(error, live) ?? (live.length === 1 ? live[0] : undefined);
    if (culprit !== undefined) {
      job.rejected.add(culprit);
      this.#refuse(culprit, error);
      const rest = live.filter((e) => e !== culprit);
      if (rest.length > 0) job.rest.unshift(rest);
    } else if (live.length > 1) {
      const mid = Math.ceil(live.length / 2);
      job.rest.unshift(live.slice(0, mid), live.slice(mid));
    }
    return this.#nextPart(job);
  }

  /** The current part's events not refused. */
  #live(job: Job): readonly PermissionAuditEvent[] {
    return job.rejected.size === 0 ? job.batch : job.batch.filter((e) => !job.rejected.has(e));
  }

  /** Moves to the job's next part; false (and the job settled) when there is none. */
  #nextPart(job: Job): boolean {
    const next = job.rest.shift();
    if (next !== undefined && !job.abandoned) {
      job.batch = next;
      job.attempt = 0;
      job.timedOut = false;
      return true;
    }
    if (!job.done) {
      job.done = true;
      if (this.#current === job) this.#current = null;
      this.#settle(job.size);
    }
    return false;
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

  /** The current part was written; true when another part of the job follows. */
  #succeed(job: Job): boolean {
    if (job.done) return false;
    this.#written += this.#live(job).length;
    return this.#nextPart(job);
  }

  /** The current part failed for good; true when another part of the job follows. */
  #fail(job: Job, error: unknown): boolean {
    if (job.done) return false;
    const lost = this.#live(job);
    const count = lost.length;
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
    this.#report(typed, lost);
    return this.#nextPart(job);
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
      const code = error instanceof StoreTimeoutError ? 'AUDIT_STORE_TIMEOUT' : error instanceof EventRejectedError ? 'AUDIT_EVENT_REJECTED' : 'AUDIT_STORE_WRITE_FAILED';
      process.emitWarning(`${error.message} (failedCount is now ${this.#failed})`, { code });
    }
  }

  #settle(count: number): void {
    this.#settled += count;
    while (this.#waiters.length > 0 && this.#waiters[0]!.target <= this.#settled) {
      this.#waiters.shift()!.resolve();
    }
  }
}

/** A decision that denied something; never throws (record() takes hand-made events too). */
function isDenied(event: PermissionAuditEvent | undefined): boolean {
  try {
    return event !== null && typeof event === 'object' && event.granted === false;
  } catch {
    return false;
  }
}

/** The event an EventRejectedError names, when it is one of `events`. */
function culpritOf(error: unknown, events: readonly PermissionAuditEvent[]): PermissionAuditEvent | undefined {
  const event = (error as { event?: unknown } | null)?.event;
  return event !== undefined && events.includes(event as PermissionAuditEvent) ? (event as PermissionAuditEvent) : undefined;
}

function isThenable(value: unknown): value is Promise<void> {
  return value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';
}
