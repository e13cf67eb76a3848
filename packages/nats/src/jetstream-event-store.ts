import {
  ConfigurationError,
  InvalidEventError,
  InvalidQueryError,
  StoreClosedError,
  StoreWriteError,
  isEventId,
  type AuditEvent,
  type EventPage,
  type EventQuery,
  type EventStore,
} from '@audit-events/core';
import { rejectUnknownOptions } from '@audit-events/core/internal';
import type { NatsConnection } from '@nats-io/transport-node';
import { AckPipeline, type OutgoingMessage } from './ack-pipeline.js';
import { openConnection, type ConnectionOption } from './connection.js';
import { encodeEvent } from './event-wire.js';
import { publishFailure } from './publish-errors.js';
import { checkSubjectPrefix, eventSubject } from './subjects.js';

/** How long save() waits for the stream's acks, in ms (the SQL store's writeTimeoutMs default). */
export const DEFAULT_PUBLISH_TIMEOUT_MS = 10_000;
/** The subject prefix when none is given: events go to `audit.events.<content type>`. */
export const DEFAULT_EVENT_SUBJECT_PREFIX = 'audit.events';

export interface JetStreamEventStoreOptions extends ConnectionOption {
  /** The stream expected to store the events (its subjects must cover `<subjectPrefix>.>`); checked on every ack. */
  stream: string;
  /** Default `audit.events`. */
  subjectPrefix?: string;
  /** save() rejects with StoreTimeoutError when an ack has not come within this many ms; default 10 000. */
  publishTimeoutMs?: number;
  /** Where find() reads (the SQL store ingest writes to); without it find() rejects. */
  readFrom?: EventStore;
}

const KNOWN = new Set(['nc', 'servers', 'stream', 'subjectPrefix', 'publishTimeoutMs', 'readFrom']);

/** Counters since the store was created. */
export interface JetStreamStoreStats {
  published: number;
  duplicates: number;
  failed: number;
  inFlight: number;
}

/**
 * An EventStore that publishes each event to JetStream (`<subjectPrefix>.<content type>`, message
 * id = event id) and resolves save() once the stream acknowledged every event: the event is then
 * durable (replicated, for an R3 stream) and ingest workers write it to SQL. Publishes are
 * pipelined: every save() sends at once, acks arrive asynchronously, nothing waits on another
 * caller. A repeated save() of the same events within the stream's duplicate window stores them once.
 */
export class JetStreamEventStore implements EventStore {
  readonly stream: string;
  readonly subjectPrefix: string;
  readonly publishTimeoutMs: number;
  readonly #connecting: Promise<{ nc: NatsConnection; owned: boolean; pipeline: AckPipeline }>;
  readonly #readFrom: EventStore | undefined;
  readonly #pending = new Set<Promise<unknown>>();
  #closed = false;
  /** Resolves at the next check phase of the event loop; shared by the saves made until then. */
  #turn: Promise<void> | null = null;
  readonly #stats: JetStreamStoreStats = { published: 0, duplicates: 0, failed: 0, inFlight: 0 };

  constructor(options: JetStreamEventStoreOptions) {
    if (options === null || typeof options !== 'object')
      throw new ConfigurationError('options', 'JetStreamEventStore needs { nc | servers, stream }');
    rejectUnknownOptions(options, KNOWN);
    if (typeof options.stream !== 'string' || options.stream.length === 0)
      throw new ConfigurationError('stream', 'must be a non-empty string');
    if (options.nc === undefined && options.servers === undefined)
      throw new ConfigurationError('servers', 'give either nc or servers');
    const timeout = options.publishTimeoutMs ?? DEFAULT_PUBLISH_TIMEOUT_MS;
    if (!Number.isInteger(timeout) || timeout < 1)
      throw new ConfigurationError('publishTimeoutMs', 'must be a positive integer');
    this.stream = options.stream;
    this.subjectPrefix = checkSubjectPrefix(options.subjectPrefix ?? DEFAULT_EVENT_SUBJECT_PREFIX);
    this.publishTimeoutMs = timeout;
    this.#readFrom = options.readFrom;
    this.#connecting = openConnection(options, 'audit-events store').then((c) => ({
      ...c,
      pipeline: new AckPipeline(c.nc, this.stream),
    }));
    // An unreachable server fails each save(); this copy must not be an unhandled rejection.
    this.#connecting.catch(() => {});
  }

  get stats(): JetStreamStoreStats {
    return { ...this.#stats };
  }

  /** The connection (resolves once connected). */
  async connection(): Promise<NatsConnection> {
    return (await this.#connecting).nc;
  }

  /**
   * Resolves once JetStream acknowledged every event. Rejects with StoreTimeoutError when the acks
   * did not come within publishTimeoutMs (outcome unknown), StoreWriteError otherwise (see
   * publishFailure: `outcomeUnknown` when some events may be stored), StoreClosedError after close().
   */
  save(events: readonly AuditEvent[]): Promise<void> {
    if (this.#closed) return Promise.reject(new StoreClosedError());
    let messages: OutgoingMessage[];
    try {
      messages = this.#messagesOf(events);
    } catch (err) {
      return Promise.reject(err);
    }
    const done = this.#publish(messages);
    this.#pending.add(done);
    const forget = (): void => {
      this.#pending.delete(done);
    };
    done.then(forget, forget);
    return done;
  }

  #messagesOf(events: readonly AuditEvent[]): OutgoingMessage[] {
    if (!Array.isArray(events)) {
      throw new StoreWriteError('save() takes an array of events', 0, { cause: new InvalidEventError('not an array') });
    }
    return events.map((event, i) => {
      const reason =
        event === null || typeof event !== 'object'
          ? 'an event must be an object'
          : !isEventId(event.id)
            ? 'id must be a lowercase UUID'
            : !(event.createdAt instanceof Date) || Number.isNaN(event.createdAt.getTime())
              ? 'createdAt must be a valid Date'
              : typeof event.contentType !== 'string' || event.contentType.length === 0
                ? 'contentType must be a non-empty string'
                : null;
      if (reason !== null) {
        throw new StoreWriteError(
          `None of ${events.length} audit event(s) was stored: event ${i} is invalid: ${reason}`,
          events.length,
          {
            cause: new InvalidEventError(reason),
          },
        );
      }
      let data: Uint8Array;
      try {
        data = encodeEvent(event);
      } catch (err) {
        throw new StoreWriteError(
          `None of ${events.length} audit event(s) was stored: event ${i} is not JSON: ${(err as Error).message}`,
          events.length,
          {
            cause: new InvalidEventError((err as Error).message),
          },
        );
      }
      return { subject: eventSubject(this.subjectPrefix, event.contentType), data, id: event.id, kind: 'event' };
    });
  }

  async #publish(messages: readonly OutgoingMessage[]): Promise<void> {
    const { pipeline } = await this.#connecting.catch((err: unknown) => {
      throw new StoreWriteError(
        `None of ${messages.length} audit event(s) was stored: cannot connect to NATS: ${(err as Error).message}`,
        messages.length,
        { cause: err },
      );
    });
    // The saves of one event-loop turn (the requests whose sockets were ready together) publish
    // together: the client writes what is queued in one socket write, instead of one write
    // syscall per request — a visible share of the CPU per request at high concurrency.
    await this.#nextTurn();
    this.#stats.inFlight += messages.length;
    const outcome = await pipeline.publish(messages, this.publishTimeoutMs);
    this.#stats.inFlight -= messages.length;
    this.#stats.published += outcome.acked;
    this.#stats.duplicates += outcome.duplicates;
    if (outcome.firstError === undefined) return;
    this.#stats.failed += messages.length - outcome.acked;
    throw publishFailure(outcome.firstError, messages.length, outcome.acked, this.publishTimeoutMs);
  }

  #nextTurn(): Promise<void> {
    this.#turn ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        this.#turn = null;
        resolve();
      }),
    );
    return this.#turn;
  }

  /** Reads through `readFrom` (the SQL store ingest fills); a stream cannot be queried by field. */
  async find(query?: EventQuery): Promise<EventPage> {
    if (this.#readFrom === undefined) {
      throw new InvalidQueryError(
        'JetStreamEventStore cannot be queried: pass readFrom (the KnexEventStore ingest writes to)',
      );
    }
    return this.#readFrom.find(query);
  }

  /** Waits for the saves in flight, then drains the connection if this store opened it. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#pending]);
    let opened: { nc: NatsConnection; owned: boolean; pipeline: AckPipeline } | undefined;
    try {
      opened = await this.#connecting;
    } catch {
      return;
    }
    opened.pipeline.close();
    if (opened.owned && !opened.nc.isClosed()) await opened.nc.drain().catch(() => {});
  }
}
