import { StoreClosedError, StoreTimeoutError, StoreWriteError } from '@audit-events/core';
import { FifoQueue } from './fifo-queue.js';

/** Counters that show what the writer did; `events` counts rows committed. */
export interface WriterStats {
  /** Batches committed. */
  batches: number;
  /** Events committed. */
  events: number;
  /** Batches whose write failed (every caller in them was rejected). */
  failedBatches: number;
  /** Events in failed batches. */
  failedEvents: number;
  /** Events whose caller got a StoreTimeoutError (still queued: not written; in flight: unknown). */
  timedOutEvents: number;
  /** Of failedEvents, those whose write may have committed (connection lost mid-write). */
  outcomeUnknownEvents: number;
  /** Events waiting for a batch right now. */
  pendingEvents: number;
}

export interface GroupCommitOptions<R> {
  /** Writes one batch atomically; rejects when none of it was stored. */
  write(rows: R[]): Promise<void>;
  /** Most events per batch; one save() larger than this is still written whole, alone. */
  batchSize: number;
  /** How long the first event of a batch waits for company while no batch is in flight. */
  lingerMs: number;
  /**
   * After a batch commits while events wait, how long the next batch may wait for the callers that
   * commit just answered to save again (never longer than the commit took); 0 or absent: it starts
   * on the next turn of the event loop. See KnexEventStoreOptions.rejoinMs.
   */
  rejoinMs?: number;
  /**
   * Most batches being written at once; default 1. Above 1 batches may commit out of order, so
   * only for rows that need no order (no hash chain); a saturated writer then keeps several
   * transactions (connections) busy instead of waiting out each commit's flush.
   */
  concurrentBatches?: number;
  /**
   * While every batch allowed is being written and a full batch is waiting, hand that one to
   * write() too, to be prepared meanwhile: for a write() that does the preparing (a hash chain's
   * stamping) and then waits for the batch before it, so batches still commit in order. Only with
   * a backlog: below a full batch, events keep joining the next batch while one is written.
   */
  prepareAhead?: boolean;
  /** Per save(): time from the call to its commit before it rejects with StoreTimeoutError. */
  writeTimeoutMs: number;
  /** Names the destination in error messages. */
  target: string;
  /**
   * True when a failed write is known not to have committed; otherwise callers learn `outcomeUnknown`.
   * Default: always known.
   */
  failedBeforeCommit?(err: unknown): boolean;
}

interface PendingWrite<R> {
  rows: R[];
  resolve(): void;
  reject(err: unknown): void;
  /** performance.now() past which the caller is told StoreTimeoutError. */
  deadline: number;
  inFlight: boolean;
  settled: boolean;
}

/**
 * Group commit: save() calls that arrive while a batch is being written (or within the linger
 * time) are written together by the next batch, one atomic write per batch. One batch is in
 * flight at a time (`concurrentBatches` raises that), so the writer holds at most that many pool
 * connections and batches grow exactly when the database is the bottleneck. Every caller learns
 * its own outcome: resolved after its batch commits, StoreWriteError when its batch fails,
 * StoreTimeoutError after writeTimeoutMs.
 * A caller's events are never split across batches, so a save() is stored whole or not at all.
 *
 * Write timeouts share one timer: every save() has the same timeout, so deadlines fall in
 * submission order and the oldest unsettled write is always the next to expire; a timer per save()
 * would cost every request an AsyncLocalStorage-hooked Timeout.
 */
export class GroupCommitWriter<R> {
  readonly #options: GroupCommitOptions<R>;
  readonly #queue = new FifoQueue<PendingWrite<R>>();
  /** Batches being written now. */
  #writing = 0;
  readonly #concurrency: number;
  #linger: NodeJS.Timeout | NodeJS.Immediate | null = null;
  /** While the next batch waits for the callers just answered: the pending events that end the wait. */
  #rejoinTarget = 0;
  /** The batches being written, in the order they started (so their writes in submission order). */
  readonly #batches = new Set<PendingWrite<R>[]>();
  #deadlineTimer: NodeJS.Timeout | null = null;
  #closed = false;
  #idleWaiters: Array<() => void> = [];
  readonly #stats: WriterStats = {
    batches: 0,
    events: 0,
    failedBatches: 0,
    failedEvents: 0,
    timedOutEvents: 0,
    outcomeUnknownEvents: 0,
    pendingEvents: 0,
  };

  constructor(options: GroupCommitOptions<R>) {
    this.#options = options;
    this.#concurrency = options.concurrentBatches ?? 1;
  }

  get stats(): WriterStats {
    return { ...this.#stats };
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Resolves once `rows` are committed; rejects with StoreWriteError, StoreTimeoutError or StoreClosedError. */
  submit(rows: R[]): Promise<void> {
    if (this.#closed) return Promise.reject(new StoreClosedError());
    if (rows.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const deadline = performance.now() + this.#options.writeTimeoutMs;
      this.#queue.push({ rows, resolve, reject, deadline, inFlight: false, settled: false });
      this.#stats.pendingEvents += rows.length;
      if (this.#deadlineTimer === null) this.#armDeadline(deadline);
      this.#schedule();
    });
  }

  /** Writes everything submitted so far without waiting for the linger time; resolves when idle. */
  async flush(): Promise<void> {
    this.#startNow();
    await this.#idle();
  }

  /** Refuses new writes, writes the pending ones, resolves when the last batch has settled. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }

  /** Whether another batch may start now (see concurrentBatches and prepareAhead). */
  #hasRoom(): boolean {
    if (this.#writing < this.#concurrency) return true;
    return (
      this.#options.prepareAhead === true &&
      this.#writing === this.#concurrency &&
      this.#stats.pendingEvents >= this.#options.batchSize
    );
  }

  #schedule(): void {
    if (!this.#hasRoom() || this.#queue.length === 0) return;
    if (this.#closed || this.#stats.pendingEvents >= this.#options.batchSize) {
      this.#startNow();
      return;
    }
    if (this.#rejoinTarget > 0 && this.#stats.pendingEvents >= this.#rejoinTarget) {
      // The callers are back: the batch starts on the next turn, so the rest of this one joins it.
      this.#clearLinger();
      this.#linger = setImmediate(this.#fire);
      return;
    }
    if (this.#linger !== null) return;
    // A linger of 0 still lets the saves of the current tick join one batch.
    this.#linger =
      this.#options.lingerMs > 0 ? setTimeout(this.#fire, this.#options.lingerMs) : setImmediate(this.#fire);
  }

  readonly #fire = (): void => {
    this.#linger = null;
    this.#rejoinTarget = 0;
    this.#startBatch();
  };

  #startNow(): void {
    this.#clearLinger();
    this.#startBatch();
  }

  #clearLinger(): void {
    this.#rejoinTarget = 0;
    if (this.#linger === null) return;
    clearTimeout(this.#linger as NodeJS.Timeout);
    clearImmediate(this.#linger as NodeJS.Immediate);
    this.#linger = null;
  }

  /** Starts batches while there is room (one, unless `concurrentBatches` allows more). */
  #startBatch(): void {
    if (this.#writing === 0 && this.#queue.length === 0) {
      this.#notifyIdle();
      return;
    }
    while (this.#hasRoom() && this.#queue.length > 0) this.#writeNextBatch();
  }

  #writeNextBatch(): void {
    const batch: PendingWrite<R>[] = [];
    let count = 0;
    while (this.#queue.length > 0) {
      const next = this.#queue.peek() as PendingWrite<R>;
      if (batch.length > 0 && count + next.rows.length > this.#options.batchSize) break;
      this.#queue.shift();
      next.inFlight = true;
      batch.push(next);
      count += next.rows.length;
    }
    this.#stats.pendingEvents -= count;
    this.#writing++;
    this.#batches.add(batch);
    const started = performance.now();
    const rows = batch.length === 1 ? (batch[0] as PendingWrite<R>).rows : batch.flatMap((w) => w.rows);
    Promise.resolve()
      .then(() => this.#options.write(rows))
      .then(
        () => {
          this.#stats.batches++;
          this.#stats.events += count;
          for (const write of batch) this.#settle(write, null);
        },
        (err: unknown) => {
          this.#stats.failedBatches++;
          this.#stats.failedEvents += count;
          const outcomeUnknown = this.#options.failedBeforeCommit?.(err) === false;
          if (outcomeUnknown) this.#stats.outcomeUnknownEvents += count;
          const reason = err instanceof Error ? err.message : String(err);
          const outcome = outcomeUnknown ? ' (the write may have committed: its outcome is unknown)' : '';
          for (const write of batch) {
            this.#settle(
              write,
              new StoreWriteError(
                `Could not write ${write.rows.length} audit event(s) to ${this.#options.target}${outcome}: ${reason}`,
                write.rows.length,
                { cause: err, outcomeUnknown },
              ),
            );
          }
        },
      )
      .finally(() => {
        this.#writing--;
        this.#batches.delete(batch);
        // Never straight from this promise chain: with a driver that answers synchronously
        // (better-sqlite3) batch after batch would otherwise run on microtasks alone while saves
        // keep coming, starving timers (write deadlines), I/O and signal handlers.
        if (this.#queue.length > 0) {
          if (this.#linger === null) this.#nextAfterCommit(count, performance.now() - started);
        } else {
          this.#notifyIdle();
        }
      });
  }

  /**
   * Schedules the batch after a commit, events waiting. Under load each caller the commit just
   * answered (a request that now responds) soon saves again (its client's next request). Started at
   * once, the next batch holds only what queued during the commit, and those callers fill the one
   * after: two half batches per round of callers, each paying a commit's fixed cost (on SQLite
   * about as much as 25 rows' own work). So the next batch waits for them, up to `rejoinMs` and
   * never longer than the commit took, and starts on the turn after the pending events reach
   * what waited plus what was answered: the wait ends as soon as they are back.
   */
  #nextAfterCommit(answered: number, commitMs: number): void {
    const wait = Math.min(this.#options.rejoinMs ?? 0, commitMs);
    const pending = this.#stats.pendingEvents;
    // A full batch (a backlog) has no one to wait for.
    if (wait <= 0 || this.#closed || pending >= this.#options.batchSize) {
      this.#linger = setImmediate(this.#fire);
      return;
    }
    this.#rejoinTarget = Math.min(pending + answered, this.#options.batchSize);
    this.#linger = setTimeout(this.#fire, wait);
  }

  #settle(write: PendingWrite<R>, err: unknown): void {
    if (write.settled) return;
    write.settled = true;
    if (err) write.reject(err);
    else write.resolve();
  }

  #armDeadline(deadline: number): void {
    // At least 1 ms: a timer may fire a little before performance.now() reaches the deadline.
    this.#deadlineTimer = setTimeout(() => this.#expire(), Math.max(1, Math.ceil(deadline - performance.now())));
  }

  /** Times out every write past its deadline, oldest first, then waits for the next one. */
  #expire(): void {
    this.#deadlineTimer = null;
    const now = performance.now();
    for (const batch of this.#batches) {
      for (const write of batch) {
        if (write.settled) continue;
        if (write.deadline > now) return this.#armDeadline(write.deadline);
        this.#timeOut(write);
      }
    }
    while (this.#queue.length > 0) {
      const write = this.#queue.peek() as PendingWrite<R>;
      if (write.deadline > now) return this.#armDeadline(write.deadline);
      this.#queue.shift();
      this.#timeOut(write);
    }
    if (this.#writing === 0) this.#notifyIdle();
  }

  #timeOut(write: PendingWrite<R>): void {
    write.settled = true;
    this.#stats.timedOutEvents += write.rows.length;
    const ms = this.#options.writeTimeoutMs;
    if (!write.inFlight) {
      // Still queued (and now out of the queue): "timed out" means "not written" for sure.
      this.#stats.pendingEvents -= write.rows.length;
      write.reject(
        new StoreTimeoutError(
          `${write.rows.length} audit event(s) waited ${ms} ms for ${this.#options.target} and were not written`,
        ),
      );
      return;
    }
    write.reject(
      new StoreTimeoutError(
        `Writing ${write.rows.length} audit event(s) to ${this.#options.target} took more than ${ms} ms; ` +
          'the outcome is unknown (the write may still commit)',
      ),
    );
  }

  #idle(): Promise<void> {
    if (this.#writing === 0 && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #notifyIdle(): void {
    if (this.#writing > 0 || this.#queue.length > 0) return;
    this.#clearLinger();
    // Nothing left to time out: no timer may keep the process alive.
    if (this.#deadlineTimer !== null) {
      clearTimeout(this.#deadlineTimer);
      this.#deadlineTimer = null;
    }
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
