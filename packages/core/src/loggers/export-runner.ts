import { LoggerTimeoutError, LoggerWriteError } from '../errors.js';
import type { PermissionAuditEvent } from '../permission/event.js';
import type { BatchContext } from './batch-exporter.js';
import { isProcessExiting } from './exit-hooks.js';
import { awaitAttempt, backoffDelay, isThenable, sleep } from './export-attempt.js';
import { ExportJob, isRefusal } from './export-job.js';
import type { Scheduler } from './scheduler.js';

/** After a failed attempt: hand over the next part, retry this one after a delay, or stop. */
type Step = 'next' | 'retry' | 'done';

/** What the runner reports back to its logger, which owns the counters and the queue. */
export interface ExportHooks {
  /** Sends one part (the logger's handleBatch / exporter). */
  send(events: readonly PermissionAuditEvent[], context: BatchContext): void | Promise<void>;
  written(count: number): void;
  /** One event refused for its content: counted and reported, never retried. */
  refuse(event: PermissionAuditEvent, reason: unknown): void;
  /** A part failed for good (retries spent, or timed out): counted and reported. */
  failed(error: Error, lost: readonly PermissionAuditEvent[]): void;
  /** The job is over: all `count` events it took from the queue are handled. */
  settle(count: number): void;
}

export interface RunnerOptions {
  scheduler: Scheduler;
  exportTimeout: number;
  maxRetries: number;
  retryDelay: number;
  maxRetryDelay: number;
  /** Synchronous mode: a retry runs at once instead of after a backoff timer. */
  sync: boolean;
}

/**
 * Runs one batch at a time through the exporter: attempts under the export timeout, retries with
 * backoff, splitting of refused batches. At most one export is in flight, even past a timeout.
 */
export class ExportRunner {
  readonly #name: string;
  readonly #opts: RunnerOptions;
  readonly #hooks: ExportHooks;
  #current: ExportJob | null = null;
  /** An export that outlived its timeout; the next one waits for it (one in flight). */
  #stuck: Promise<void> | null = null;

  constructor(name: string, options: RunnerOptions, hooks: ExportHooks) {
    this.#name = name;
    this.#opts = options;
    this.#hooks = hooks;
  }

  /** The job being exported, if any (flushSync() takes over its waiting parts at exit). */
  get current(): ExportJob | null {
    return this.#current;
  }

  /** Marks the current job as taken over at exit. */
  abandonCurrent(): void {
    this.#current = null;
  }

  /**
   * Exports `batch` (checked events; `size` is how many the job took from the queue). Sync-first:
   * a synchronous exporter finishes here without a tick; otherwise returns the async continuation.
   */
  run(batch: readonly PermissionAuditEvent[], size: number): Promise<void> | undefined {
    const job = new ExportJob(batch, size);
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
        // Synchronous mode (tests) or at exit there is no later: retry at once.
        if (step === 'next' || this.#opts.sync || isProcessExiting()) continue;
        return this.#continue(job, null);
      }
      if (isThenable(result)) return this.#continue(job, Promise.resolve(result));
      job.inAttempt = false;
      if (!this.#succeed(job)) return undefined;
    }
  }
  #call(job: ExportJob): void | Promise<void> {
    job.inAttempt = true;
    const controller = new AbortController();
    job.controller = controller;
    const part = job.batch;
    const reject = (event: PermissionAuditEvent, reason: unknown): void => {
      // Late calls (after a timeout, or for another part) would count an event twice.
      if (job.done || job.timedOut || job.batch !== part || job.rejected.has(event) || !part.includes(event)) return;
      job.rejected.add(event);
      this.#hooks.refuse(event, reason);
    };
    return this.#hooks.send(part, { signal: controller.signal, attempt: job.attempt, reject });
  }

  /** Starts an attempt as a promise; waits first for a timed-out predecessor still running. */
  #startAttempt(job: ExportJob): Promise<void> {
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
  async #continue(job: ExportJob, attempt: Promise<void> | null): Promise<void> {
    const { scheduler, exportTimeout, retryDelay, maxRetryDelay } = this.#opts;
    let pending = attempt;
    for (;;) {
      if (pending === null) {
        await sleep(scheduler, backoffDelay(job.attempt, retryDelay, maxRetryDelay));
        if (job.abandoned) return;
        pending = this.#startAttempt(job);
      }
      const outcome = await awaitAttempt(pending, scheduler, exportTimeout, () => {
        job.timedOut = true;
        job.controller?.abort(new LoggerTimeoutError('export timeout'));
      });
      job.inAttempt = false;
      if (job.abandoned) return;
      let step: Step;
      if (outcome.kind === 'ok') {
        step = this.#succeed(job) ? 'next' : 'done';
      } else if (outcome.kind === 'timeout') {
        step = this.#timedOut(job, pending) ? 'next' : 'done';
      } else {
        step = this.#afterError(job, outcome.error);
      }
      if (step === 'done') return;
      pending = step === 'next' ? this.#startAttempt(job) : null;
    }
  }

  /**
   * The outcome of a timed-out write is unknown, so it is not retried (that could store it twice);
   * it is reported. The next write waits for it to settle, keeping one in flight.
   */
  #timedOut(job: ExportJob, pending: Promise<void>): boolean {
    const stuck: Promise<void> = pending.then(
      () => undefined,
      () => undefined,
    );
    this.#stuck = stuck;
    void stuck.then(() => {
      if (this.#stuck === stuck) this.#stuck = null;
    });
    return this.#fail(
      job,
      new LoggerTimeoutError(
        `${this.#name}: a batch of ${job.live().length} permission audit event(s) did not finish within ` +
          `exportTimeout (${this.#opts.exportTimeout} ms); whether it was written is unknown`,
      ),
    );
  }

  /**
   * A refusal (the events are at fault) is never retried: the part is split, or handed over again
   * without the event the error names, until each event at fault is refused alone. Anything else
   * is retried up to maxRetries, then the part fails.
   */
  #afterError(job: ExportJob, error: unknown): Step {
    if (isRefusal(error)) {
      const culprit = job.split(error);
      if (culprit !== undefined) this.#hooks.refuse(culprit, error);
      return this.#nextPart(job) ? 'next' : 'done';
    }
    if (job.attempt >= this.#opts.maxRetries) return this.#fail(job, error) ? 'next' : 'done';
    job.attempt++;
    return 'retry';
  }

  /** Moves to the job's next part; false (and the job settled) when there is none. */
  #nextPart(job: ExportJob): boolean {
    if (job.advance()) return true;
    if (!job.done) {
      job.done = true;
      if (this.#current === job) this.#current = null;
      this.#hooks.settle(job.size);
    }
    return false;
  }

  /** The current part was written; true when another part of the job follows. */
  #succeed(job: ExportJob): boolean {
    if (job.done) return false;
    this.#hooks.written(job.live().length);
    return this.#nextPart(job);
  }

  /** The current part failed for good; true when another part of the job follows. */
  #fail(job: ExportJob, error: unknown): boolean {
    if (job.done) return false;
    const lost = job.live();
    const count = lost.length;
    const typed =
      error instanceof LoggerTimeoutError
        ? error
        : new LoggerWriteError(
            `${this.#name}: a batch of ${count} permission audit event(s) failed after ` +
              `${job.attempt + 1} attempt(s): ${error instanceof Error ? error.message : String(error)}`,
            count,
            { cause: error },
          );
    this.#hooks.failed(typed, lost);
    return this.#nextPart(job);
  }
}
