import { ConfigurationError } from '@audit-events/core';
import type { Consumer, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { DEFAULT_DEAD_LETTER_SUBJECT, deadLetter, type Poison } from './dead-letter.js';
import { MessageReader } from './ingest-reader.js';

export const DEFAULT_INGEST_BATCH_SIZE = 500;
/** Batches being written at once by one worker (see runIngest). */
const BATCHES_IN_FLIGHT = 2;

/** What one batch did. */
export interface IngestBatch {
  /** Messages taken in this batch. */
  messages: number;
  /** Rows handed to the store in one write (one transaction), duplicates in the batch removed. */
  stored: number;
  /**
   * Messages that were delivered before (a crashed or slow worker): their ids are skipped by the store
   * if already stored.
   */
  redelivered: number;
  deadLettered: number;
  /** Messages of the consumer not yet delivered after this batch (the lag). */
  pending: number;
  /** Time from taking the batch to its acks, in ms. */
  ms: number;
}

export interface IngestTotals {
  batches: number;
  messages: number;
  stored: number;
  redelivered: number;
  deadLettered: number;
  /** Batches whose store write failed and were handed back for redelivery. */
  failedBatches: number;
  /** Fetches that failed (server restarting, consumer leader moving) and were retried. */
  fetchErrors: number;
  pending: number;
}

/** The options every ingest loop shares (events and permission decisions). */
export interface IngestLoopOptions {
  js: JetStreamClient;
  /** The durable pull consumer (see ensureIngestConsumer); several workers may share it. */
  consumer: Consumer;
  /** Stops after the batch in flight is stored and acknowledged. */
  signal?: AbortSignal;
  onBatch?: (batch: IngestBatch) => void;
  /**
   * A store failure (the batch is redelivered later) or a failed fetch (retried after
   * `retryDelayMs`, e.g. while the server restarts); ingest keeps going either way.
   */
  onError?: (err: unknown, kind: 'store' | 'fetch') => void;
  /** Most messages per batch (per transaction); default 500. */
  batchSize?: number;
  /** How long one pull request waits for messages, in ms; default 1000 (also the stop latency when idle). */
  fetchExpiresMs?: number;
  deadLetterSubject?: string;
  /** Delay before a failed batch is redelivered, in ms; default 1000. */
  retryDelayMs?: number;
}

export type Decoded<T> = { ok: true; item: T; id: string } | { ok: false; reason: string };

/** Where one kind of message goes: how it is decoded and written. */
export interface IngestSink<T> {
  /** Why a message on a subject this sink does not take is dead-lettered, or null when it takes it. */
  refuseSubject(subject: string): string | null;
  decode(data: Uint8Array): Decoded<T>;
  /** One transaction; rows whose id is stored already are skipped (idempotent). */
  write(items: T[]): Promise<void>;
  /** True when `err` refuses an item for its content (so saving the items one by one finds it). */
  isContentRefusal(err: unknown): boolean;
}

/**
 * Moves messages from a JetStream consumer into a store exactly once: each batch is one write
 * (one transaction), and its messages are acknowledged only after it committed. A worker killed
 * anywhere leaves its batch unacknowledged: JetStream redelivers it after ack_wait and the store
 * skips the ids it already has, so nothing is lost and nothing stored twice. Poison messages are
 * published to the dead-letter subject with the reason and acknowledged, never blocking the
 * consumer. Resolves with the totals when `signal` aborts.
 *
 * Acks are explicit, one per message, sent together right after the commit (one socket write).
 * AckPolicy.All would need one ack per batch, but it acknowledges every message of the consumer
 * up to that sequence — including those another worker sharing the consumer holds and has not
 * committed: that worker's crash would then lose them. It would only be safe with a single worker
 * and max_ack_pending of one batch, i.e. without the concurrency ingest exists for.
 */
export async function runIngest<T>(options: IngestLoopOptions, sink: IngestSink<T>): Promise<IngestTotals> {
  const { js, consumer, signal, onBatch, onError } = options;
  const batchSize = options.batchSize ?? DEFAULT_INGEST_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000)
    throw new ConfigurationError('batchSize', 'must be an integer from 1 to 10 000');
  const deadLetterSubject = options.deadLetterSubject ?? DEFAULT_DEAD_LETTER_SUBJECT;
  const retryDelayMs = options.retryDelayMs ?? 1000;
  const totals: IngestTotals = {
    batches: 0,
    messages: 0,
    stored: 0,
    redelivered: 0,
    deadLettered: 0,
    failedBatches: 0,
    fetchErrors: 0,
    pending: 0,
  };
  // A function, not `signal.aborted` inline: TypeScript would narrow it to false inside the loop.
  const stopped = (): boolean => signal?.aborted === true;
  if (stopped()) return totals;

  // The next batch is fetched while the current one is written: the database, not the round
  // trips to the server, sets the pace (see MessageReader).
  const reader = new MessageReader(consumer, {
    maxBuffered: batchSize,
    expires: options.fetchExpiresMs ?? 1000,
    retryDelayMs,
    onFetchError: (err) => {
      totals.fetchErrors++;
      onError?.(err, 'fetch');
    },
  });
  const halt = (): void => reader.halt();
  signal?.addEventListener('abort', halt, { once: true });
  // Two batches in flight: while one is in the database, the next is decoded and handed to the
  // store, which builds its rows at once and queues it behind the first (KnexEventStore writes
  // one batch at a time, in order, so hash chains stay linear). Each batch is still its own
  // transaction and each message is acknowledged only after the commit of its own batch.
  const inFlight = new Set<Promise<void>>();
  const confirming = new Set<Promise<void>>();
  // A failed write pauses taking new batches, so an outage is not hammered with retries.
  let pause: Promise<void> | null = null;
  const writeBatch = async (msgs: JsMsg[]): Promise<void> => {
    const started = Date.now();
    const batch = await handleBatch(msgs, sink, js, deadLetterSubject);
    if (batch.error !== undefined) {
      totals.failedBatches++;
      for (const m of msgs) m.nak(retryDelayMs);
      onError?.(batch.error, 'store');
      pause ??= sleep(retryDelayMs, signal).then(() => {
        pause = null;
      });
      return;
    }
    // One turn of the event loop first: the store starts the next queued batch's INSERT on
    // setImmediate, and these acks, then the next batch's decoding, would otherwise run before
    // it while the database sits idle (see docs/scaling-out.md).
    await nextTurn();
    // The server's confirmation of the acks is awaited apart (before the worker stops), so the
    // batch's slot goes to the next batch as soon as the acks are sent.
    const confirmed: Promise<void> = acknowledge(batch.toAck, batch.toNak, retryDelayMs).finally(() =>
      confirming.delete(confirmed),
    );
    confirming.add(confirmed);
    let redelivered = 0;
    for (const m of msgs) if (m.info.deliveryCount > 1) redelivered++;
    // What the server still holds for this consumer after the batch's last message: the lag.
    const pending = msgs[msgs.length - 1]!.info.pending;
    totals.batches++;
    totals.messages += msgs.length;
    totals.stored += batch.stored;
    totals.redelivered += redelivered;
    totals.deadLettered += batch.deadLettered;
    totals.pending = pending;
    onBatch?.({
      messages: msgs.length,
      stored: batch.stored,
      redelivered,
      deadLettered: batch.deadLettered,
      pending,
      ms: Date.now() - started,
    });
  };
  try {
    while (!stopped()) {
      if (inFlight.size >= BATCHES_IN_FLIGHT) await Promise.race(inFlight);
      if (pause !== null) await pause;
      if (stopped()) break;
      const msgs = await reader.take(batchSize);
      if (stopped()) {
        // Taken after the stop: released (nak without delay) so another worker takes them at once.
        for (const m of msgs) m.nak();
        break;
      }
      if (msgs.length === 0) {
        totals.pending = await pendingOf(consumer, totals.pending);
        continue;
      }
      const running: Promise<void> = writeBatch(msgs).finally(() => inFlight.delete(running));
      inFlight.add(running);
    }
  } finally {
    signal?.removeEventListener('abort', halt);
    // The batches in flight finish (stored and acknowledged, or released) before the worker stops.
    await Promise.allSettled(inFlight);
    await Promise.allSettled(confirming);
    const unprocessed = await reader.stop();
    for (const m of unprocessed) m.nak();
  }
  return totals;
}

interface BatchOutcome {
  toAck: JsMsg[];
  toNak: JsMsg[];
  stored: number;
  deadLettered: number;
  error?: unknown;
}

async function handleBatch<T>(
  msgs: readonly JsMsg[],
  sink: IngestSink<T>,
  js: JetStreamClient,
  deadLetterSubject: string,
): Promise<BatchOutcome> {
  const poison: Poison[] = [];
  const items: T[] = [];
  const ids: string[] = [];
  const seen = new Set<string>();
  const carriers: Array<{ msg: JsMsg; id: string }> = [];
  for (const msg of msgs) {
    // Routed by subject, not by the Audit-Kind header: subjects are what the consumer filters
    // on, and reading headers would parse them for every message (a visible cost per event).
    const refused = sink.refuseSubject(msg.subject);
    if (refused !== null) {
      poison.push({ msg, reason: refused });
      continue;
    }
    const decoded = sink.decode(msg.data);
    if (!decoded.ok) {
      poison.push({ msg, reason: decoded.reason });
      continue;
    }
    carriers.push({ msg, id: decoded.id });
    // The same id twice in one batch (re-published after the duplicate window): stored once.
    if (seen.has(decoded.id)) continue;
    seen.add(decoded.id);
    items.push(decoded.item);
    ids.push(decoded.id);
  }

  let stored = items.length;
  if (items.length > 0) {
    try {
      await sink.write(items);
    } catch (err) {
      if (!sink.isContentRefusal(err)) return { toAck: [], toNak: [], stored: 0, deadLettered: 0, error: err };
      // The store refused an item for what it holds: find it by writing one at a time.
      const isolated = await writeOneByOne(items, ids, sink);
      if (isolated.error !== undefined)
        return { toAck: [], toNak: [], stored: 0, deadLettered: 0, error: isolated.error };
      stored = items.length - isolated.refused.length;
      for (const refusal of isolated.refused) {
        for (let i = carriers.length - 1; i >= 0; i--) {
          if (carriers[i]!.id !== refusal.id) continue;
          poison.push({ msg: carriers[i]!.msg, reason: refusal.reason });
          carriers.splice(i, 1);
        }
      }
    }
  }

  const toNak: JsMsg[] = [];
  let deadLettered = 0;
  const dead = await Promise.allSettled(poison.map((p) => deadLetter(js, deadLetterSubject, p)));
  const toAck = carriers.map((c) => c.msg);
  dead.forEach((r, i) => {
    const p = poison[i]!;
    if (r.status === 'fulfilled') {
      deadLettered++;
      toAck.push(p.msg);
    } else toNak.push(p.msg);
  });
  return { toAck, toNak, stored, deadLettered };
}

async function writeOneByOne<T>(
  items: readonly T[],
  ids: readonly string[],
  sink: IngestSink<T>,
): Promise<{ refused: Array<{ id: string; reason: string }>; error?: unknown }> {
  const refused: Array<{ id: string; reason: string }> = [];
  for (let i = 0; i < items.length; i++) {
    try {
      await sink.write([items[i]!]);
    } catch (err) {
      if (!sink.isContentRefusal(err)) return { refused, error: err };
      refused.push({ id: ids[i]!, reason: `refused by the store: ${(err as Error).message}` });
    }
  }
  return { refused };
}

/**
 * Acks every message (one socket write), releases those that could not be dead-lettered, then
 * waits for the server to confirm the last ack: acks on one connection are processed in order,
 * so one round trip confirms the batch (a lost ack only means a harmless redelivery, but a
 * clean stop should leave nothing to redeliver).
 */
async function acknowledge(msgs: readonly JsMsg[], release: readonly JsMsg[], retryDelayMs: number): Promise<void> {
  for (const m of release) m.nak(retryDelayMs);
  if (msgs.length === 0) return;
  for (let i = 0; i < msgs.length - 1; i++) msgs[i]!.ack();
  await msgs[msgs.length - 1]!.ackAck({ timeout: 5000 }).catch(() => false);
}

async function pendingOf(consumer: Consumer, previous: number): Promise<number> {
  try {
    const info = await consumer.info();
    return info.num_pending + info.num_ack_pending;
  } catch {
    return previous;
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
