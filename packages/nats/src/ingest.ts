import { ConfigurationError, type AuditEvent, type EventStore } from '@audit-events/core';
import type { Consumer, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { decodeEvent } from './event-wire.js';
import { KIND_HEADER, ORIGINAL_SEQUENCE_HEADER, ORIGINAL_SUBJECT_HEADER, REASON_HEADER } from './headers.js';

export const DEFAULT_INGEST_BATCH_SIZE = 500;
/** Dead letters go here; outside `audit.events.>`, inside the default stream's `audit.>`. */
export const DEFAULT_DEAD_LETTER_SUBJECT = 'audit.dead-letter';

/** What one batch did. */
export interface IngestBatch {
  /** Messages fetched in this batch. */
  messages: number;
  /** Events handed to the store in one save() (one transaction), duplicates in the batch removed. */
  stored: number;
  /** Messages that were delivered before (a crashed or slow worker): their ids are skipped by the store if already stored. */
  redelivered: number;
  deadLettered: number;
  /** Messages of the consumer not yet delivered after this batch (the lag). */
  pending: number;
  /** Time from the first message to the acks, in ms. */
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

export interface IngestOptions {
  js: JetStreamClient;
  /** The durable pull consumer (see ensureIngestConsumer); several workers may share it. */
  consumer: Consumer;
  /** Where events go: a KnexEventStore with `duplicateIds: 'ignore'` makes redeliveries harmless. */
  store: EventStore;
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
  /** How long one fetch waits for messages, in ms; default 1000 (also the stop latency when idle). */
  fetchExpiresMs?: number;
  deadLetterSubject?: string;
  /** Delay before a failed batch is redelivered, in ms; default 1000. */
  retryDelayMs?: number;
}

interface Poison {
  msg: JsMsg;
  reason: string;
}

/**
 * Moves events from a JetStream consumer into an EventStore exactly once: each batch is one
 * save() (one transaction), and its messages are acknowledged only after it committed. A worker
 * killed anywhere leaves its batch unacknowledged: JetStream redelivers it after ack_wait and the
 * store skips the ids it already has, so nothing is lost and nothing stored twice. Poison
 * messages (not JSON, or not an event) are published to the dead-letter subject with the reason
 * and acknowledged, never blocking the consumer. Resolves with the totals when `signal` aborts.
 */
export async function ingestAuditEvents(options: IngestOptions): Promise<IngestTotals> {
  const { js, consumer, store, signal, onBatch, onError } = options;
  const batchSize = options.batchSize ?? DEFAULT_INGEST_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) throw new ConfigurationError('batchSize', 'must be an integer from 1 to 10 000');
  const expires = options.fetchExpiresMs ?? 1000;
  const deadLetterSubject = options.deadLetterSubject ?? DEFAULT_DEAD_LETTER_SUBJECT;
  const retryDelayMs = options.retryDelayMs ?? 1000;
  const totals: IngestTotals = { batches: 0, messages: 0, stored: 0, redelivered: 0, deadLettered: 0, failedBatches: 0, fetchErrors: 0, pending: 0 };

  // The next batch is fetched while the current one is written: the database, not the round
  // trips to the server, sets the pace. A batch prefetched when the signal aborts is released
  // (nak without delay), so another worker takes it at once.
  // A fetch that fails while the server restarts or a cluster moves the consumer's leader
  // (missed heartbeats, request timeouts, a closed connection) is reported and retried after a
  // pause: a long-running worker outlives an outage. What it received before the failure is kept.
  const fetchBatch = async (): Promise<JsMsg[]> => {
    const msgs: JsMsg[] = [];
    try {
      const iterator = await consumer.fetch({ max_messages: batchSize, expires });
      for await (const m of iterator) msgs.push(m);
    } catch (err) {
      if (isPermanentFetchError(err)) throw err;
      totals.fetchErrors++;
      onError?.(err, 'fetch');
      if (msgs.length === 0) await sleep(retryDelayMs, signal);
    }
    return msgs;
  };
  // A function, not `signal.aborted` inline: TypeScript would narrow it to false inside the loop.
  const stopped = (): boolean => signal?.aborted === true;
  let next: Promise<JsMsg[]> | null = fetchBatch();
  // The server's confirmation of a batch's acks is awaited while the next batch is written (acks
  // are sent right after the commit either way; the confirmation only matters for a clean stop).
  let confirming: Promise<void> = Promise.resolve();
  try {
    while (!stopped() && next !== null) {
      const msgs = await next;
      next = stopped() ? null : fetchBatch();
      if (msgs.length === 0) {
        totals.pending = await pendingOf(consumer, totals.pending);
        continue;
      }
      const started = Date.now();
      const batch = await handleBatch(msgs, { js, store, deadLetterSubject });
      if (batch.error !== undefined) {
        totals.failedBatches++;
        for (const m of msgs) m.nak(retryDelayMs);
        onError?.(batch.error, 'store');
        await sleep(retryDelayMs, signal);
        continue;
      }
      await confirming;
      confirming = acknowledge(batch.toAck);
      for (const m of batch.toNak) m.nak(retryDelayMs);
      // What the server still holds for this consumer after the batch's last message: the lag.
      const pending = msgs[msgs.length - 1]!.info.pending;
      const redelivered = msgs.filter((m) => m.redelivered).length;
      totals.batches++;
      totals.messages += msgs.length;
      totals.stored += batch.stored;
      totals.redelivered += redelivered;
      totals.deadLettered += batch.deadLettered;
      totals.pending = pending;
      onBatch?.({ messages: msgs.length, stored: batch.stored, redelivered, deadLettered: batch.deadLettered, pending, ms: Date.now() - started });
    }
  } finally {
    await confirming;
    if (next !== null) {
      const unprocessed = await next.catch(() => [] as JsMsg[]);
      for (const m of unprocessed) m.nak();
    }
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

async function handleBatch(
  msgs: readonly JsMsg[],
  ctx: { js: JetStreamClient; store: EventStore; deadLetterSubject: string },
): Promise<BatchOutcome> {
  const poison: Poison[] = [];
  const events: AuditEvent[] = [];
  const seen = new Set<string>();
  const carriers: Array<{ msg: JsMsg; id: string }> = [];
  for (const msg of msgs) {
    const kind = msg.headers?.get(KIND_HEADER) || 'event';
    if (kind !== 'event') {
      poison.push({ msg, reason: `a ${kind} message: this worker ingests request events only` });
      continue;
    }
    const decoded = decodeEvent(msg.data);
    if (!decoded.ok) {
      poison.push({ msg, reason: decoded.reason });
      continue;
    }
    carriers.push({ msg, id: decoded.event.id });
    // The same id twice in one batch (re-published after the duplicate window): stored once.
    if (seen.has(decoded.event.id)) continue;
    seen.add(decoded.event.id);
    events.push(decoded.event);
  }

  let stored = events.length;
  if (events.length > 0) {
    try {
      await ctx.store.save(events);
    } catch (err) {
      if (!isContentRefusal(err)) return { toAck: [], toNak: [], stored: 0, deadLettered: 0, error: err };
      // The store refused an event for what it holds: find it by saving one at a time.
      const isolated = await saveOneByOne(events, ctx.store);
      if (isolated.error !== undefined) return { toAck: [], toNak: [], stored: 0, deadLettered: 0, error: isolated.error };
      stored = events.length - isolated.refused.length;
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
  const dead = await Promise.allSettled(poison.map((p) => deadLetter(ctx.js, ctx.deadLetterSubject, p)));
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

function isContentRefusal(err: unknown): boolean {
  const cause = (err as { cause?: { code?: unknown } } | null)?.cause;
  return cause?.code === 'AUDIT_BAD_EVENT';
}

async function saveOneByOne(
  events: readonly AuditEvent[],
  store: EventStore,
): Promise<{ refused: Array<{ id: string; reason: string }>; error?: unknown }> {
  const refused: Array<{ id: string; reason: string }> = [];
  for (const event of events) {
    try {
      await store.save([event]);
    } catch (err) {
      if (!isContentRefusal(err)) return { refused, error: err };
      refused.push({ id: event.id, reason: `refused by the store: ${(err as Error).message}` });
    }
  }
  return { refused };
}

/** Publishes the original bytes with the reason; its message id makes a repeat after a crash harmless. */
async function deadLetter(js: JetStreamClient, subject: string, poison: Poison): Promise<void> {
  const h = natsHeaders();
  h.set(KIND_HEADER, 'dead-letter');
  h.set(REASON_HEADER, poison.reason.replace(/[\r\n]+/g, ' ').slice(0, 1000));
  h.set(ORIGINAL_SUBJECT_HEADER, poison.msg.subject);
  h.set(ORIGINAL_SEQUENCE_HEADER, String(poison.msg.seq));
  await js.publish(subject, poison.msg.data, { headers: h, msgID: `dead-letter-${poison.msg.info.stream}-${poison.msg.seq}` });
}

/**
 * Acks every message, then waits for the server to confirm the last one: acks on one connection
 * are processed in order, so one round trip confirms the batch (a lost ack only means a harmless
 * redelivery, but a clean stop should leave nothing to redeliver).
 */
async function acknowledge(msgs: readonly JsMsg[]): Promise<void> {
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

/** A consumer or stream that no longer exists will not come back by waiting. */
function isPermanentFetchError(err: unknown): boolean {
  const text = err instanceof Error ? err.message : String(err);
  return /consumer (is )?(not found|deleted)|stream (is )?(not found|deleted)/i.test(text);
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

