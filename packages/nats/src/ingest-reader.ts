import type { Consumer, JsMsg } from '@nats-io/jetstream';

export interface ReaderOptions {
  /**
   * Most messages buffered here (fetched, not yet taken): one batch; with the two being written, at
   * most three batches per worker are unacknowledged.
   */
  maxBuffered: number;
  /** How long one pull request waits for messages, in ms. */
  expires: number;
  retryDelayMs: number;
  onFetchError(err: unknown): void;
}

/**
 * Keeps up to `maxBuffered` messages of a pull consumer ready while the caller writes the batch
 * before: pull requests are issued back to back, each for the room left, and every message is
 * handed over as it arrives. So fetching overlaps the database's work instead of alternating
 * with it, and a batch is whatever arrived while the previous one was written (group commit:
 * batches grow exactly when the database is the slower side).
 *
 * Bounded on purpose, not `consumer.consume()`: that client re-pulls as messages *arrive*, not
 * as they are processed, so a worker behind a slow database would hoard up to the consumer's
 * max_ack_pending messages — starving the other workers and letting ack_wait expire on
 * messages it has not even looked at (each then redelivered and written twice over).
 */
export class MessageReader {
  readonly #consumer: Consumer;
  readonly #options: ReaderOptions;
  #buffer: JsMsg[] = [];
  #stopped = false;
  /** A fetch ended with nothing: the stream is drained for now (the caller then refreshes its lag). */
  #idle = false;
  #failure: unknown = null;
  #hasFailure = false;
  #wakeTaker: (() => void) | null = null;
  #wakeReader: (() => void) | null = null;
  readonly #done: Promise<void>;

  constructor(consumer: Consumer, options: ReaderOptions) {
    this.#consumer = consumer;
    this.#options = options;
    this.#done = this.#run();
  }

  /**
   * Up to `max` messages, as soon as at least one is there; [] when a fetch came back empty (idle)
   * or the reader stopped. Rejects with a permanent fetch error (consumer or stream deleted).
   */
  async take(max: number): Promise<JsMsg[]> {
    for (;;) {
      if (this.#buffer.length > 0) {
        const taken = this.#buffer.length <= max ? this.#buffer : this.#buffer.slice(0, max);
        this.#buffer = this.#buffer.length <= max ? [] : this.#buffer.slice(max);
        this.#wake('reader');
        return taken;
      }
      if (this.#hasFailure) throw this.#failure;
      if (this.#stopped) return [];
      if (this.#idle) {
        this.#idle = false;
        return [];
      }
      await new Promise<void>((resolve) => (this.#wakeTaker = resolve));
    }
  }

  /**
   * Stops fetching and returns what was buffered, for the caller to release. A pull request in
   * flight is waited for (at most `expires`), not cut: messages the server sent for a cut request
   * would sit unacknowledged until ack_wait instead of being released to another worker now.
   */
  async stop(): Promise<JsMsg[]> {
    this.halt();
    await this.#done;
    const left = this.#buffer;
    this.#buffer = [];
    return left;
  }

  /** Stops fetching and wakes a waiting take() (which then returns what is buffered, or []). */
  halt(): void {
    this.#stopped = true;
    this.#wake('reader');
    this.#wake('taker');
  }

  async #run(): Promise<void> {
    const { maxBuffered, expires, retryDelayMs, onFetchError } = this.#options;
    while (!this.#stopped) {
      const room = maxBuffered - this.#buffer.length;
      if (room <= 0) {
        await new Promise<void>((resolve) => (this.#wakeReader = resolve));
        continue;
      }
      let received = 0;
      try {
        for await (const msg of await this.#consumer.fetch({ max_messages: room, expires })) {
          this.#buffer.push(msg);
          received++;
          this.#wake('taker');
        }
      } catch (err) {
        if (isPermanentFetchError(err)) {
          this.#failure = err;
          this.#hasFailure = true;
          this.#stopped = true;
          this.#wake('taker');
          return;
        }
        // Missed heartbeats while a cluster moves the consumer's leader, timeouts, a restarting
        // server: reported, then retried after a pause; what arrived before the failure is kept.
        onFetchError(err);
        if (received === 0 && !this.#stopped) await this.#pause(retryDelayMs);
      }
      if (received === 0 && !this.#stopped) {
        this.#idle = true;
        this.#wake('taker');
      }
    }
  }

  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wakeReader = done;
    });
  }

  #wake(which: 'taker' | 'reader'): void {
    const wake = which === 'taker' ? this.#wakeTaker : this.#wakeReader;
    if (which === 'taker') this.#wakeTaker = null;
    else this.#wakeReader = null;
    wake?.();
  }
}

/** A consumer or stream that no longer exists will not come back by waiting. */
export function isPermanentFetchError(err: unknown): boolean {
  const text = err instanceof Error ? err.message : String(err);
  return /consumer (is )?(not found|deleted)|stream (is )?(not found|deleted)/i.test(text);
}
