import { ConfigurationError } from '@audit-events/core';
import {
  AckPolicy,
  DeliverPolicy,
  type Consumer,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { DEFAULT_EVENT_SUBJECT_PREFIX } from './jetstream-event-store.js';

export const DEFAULT_INGEST_CONSUMER = 'audit-ingest';
/** A message not acknowledged within this time is redelivered (to any worker); default 30 s. */
export const DEFAULT_ACK_WAIT_MS = 30_000;

export interface IngestConsumerOptions {
  /** Durable consumer name; default `audit-ingest`. Every worker using this name shares the work. */
  name?: string;
  /** Default `audit.events.>` (the event store's default prefix). */
  filterSubject?: string;
  /** Default 30 000; must exceed the time one batch takes to commit. */
  ackWaitMs?: number;
  /** Most messages delivered and not yet acknowledged across all workers; default 20 000. */
  maxAckPending?: number;
}

/**
 * Creates the durable pull consumer ingest workers share (explicit acks, from the stream's first
 * message) unless it exists, and returns it. Existing consumers are left as they are.
 */
export async function ensureIngestConsumer(
  jsm: JetStreamManager,
  js: JetStreamClient,
  stream: string,
  options: IngestConsumerOptions = {},
): Promise<Consumer> {
  const name = options.name ?? DEFAULT_INGEST_CONSUMER;
  if (!/^[A-Za-z0-9_-]+$/.test(name))
    throw new ConfigurationError('consumer', `names are letters, digits, _ and -, got ${JSON.stringify(name)}`);
  const ackWaitMs = options.ackWaitMs ?? DEFAULT_ACK_WAIT_MS;
  if (!Number.isInteger(ackWaitMs) || ackWaitMs < 100)
    throw new ConfigurationError('ackWaitMs', 'must be an integer ≥ 100 (ms)');
  try {
    await jsm.consumers.info(stream, name);
  } catch (err) {
    if ((err as { name?: string }).name !== 'ConsumerNotFoundError') throw err;
    try {
      await jsm.consumers.add(stream, {
        durable_name: name,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        filter_subject: options.filterSubject ?? `${DEFAULT_EVENT_SUBJECT_PREFIX}.>`,
        ack_wait: nanos(ackWaitMs),
        max_ack_pending: options.maxAckPending ?? 20_000,
      });
    } catch (addError) {
      // Another worker created it at the same moment: use theirs.
      await jsm.consumers.info(stream, name).catch(() => {
        throw addError;
      });
    }
  }
  return js.consumers.get(stream, name);
}
