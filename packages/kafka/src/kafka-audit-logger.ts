import {
  BufferedAuditLogger,
  ConfigurationError,
  EventRejectedError,
  serializeEvent,
  type BatchContext,
  type BufferedAuditLoggerOptions,
  type PermissionAuditEvent,
} from '@audit-events/core';
import { isMessageRefusal } from './message-refusal.js';
import {
  producerStyle,
  type KafkaMessage,
  type KafkaProducerLike,
  type ProduceProducer,
  type ProducerStyle,
  type SendProducer,
} from './producer.js';

export interface KafkaAuditLoggerOptions extends BufferedAuditLoggerOptions {
  /** Topic to write to (required). */
  topic: string;
  /** Extra fields for kafkajs `send()` (e.g. `{ acks: -1, compression }`). */
  sendOptions?: Record<string, unknown>;
  /** Headers on every message. Default `{ 'content-type': 'application/json' }`. */
  headers?: Record<string, string>;
  /** Wait for delivery with `flush()` after `produce()` (confluent style), up to exportTimeout. Default true. */
  awaitDelivery?: boolean;
  /** Force the producer API instead of detecting it. */
  producerStyle?: ProducerStyle;
}

/**
 * Sends each decision as one Kafka message: value = the serializeEvent JSON (the same shape as a
 * FileAuditLogger line), key = the event's manager, so one resource's decisions land in one
 * partition and stay ordered. Works with a kafkajs producer (`send({ topic, messages })`) or a
 * confluent-kafka/node-rdkafka producer (`produce(topic, partition, value, key)`); the producer
 * is passed in and owned (connected, disconnected) by the app.
 */
export class KafkaAuditLogger extends BufferedAuditLogger {
  readonly topic: string;
  readonly #producer: KafkaProducerLike;
  readonly #style: ProducerStyle;
  readonly #sendOptions: Record<string, unknown>;
  readonly #headers: Record<string, string>;
  readonly #awaitDelivery: boolean;
  readonly #exportTimeout: number;
  /**
   * produce() queues message by message; if it throws halfway (local queue full), the retry must
   * not queue the first half again. Batches are identified by their array object.
   */
  readonly #produced = new WeakMap<readonly PermissionAuditEvent[], number>();

  constructor(producer: KafkaProducerLike, options: KafkaAuditLoggerOptions) {
    if (options === null || typeof options !== 'object') {
      throw new ConfigurationError('options', 'KafkaAuditLogger needs { topic, ... }');
    }
    const { topic, sendOptions = {}, headers, awaitDelivery = true, producerStyle: forced, ...buffered } = options;
    const style = forced ?? producerStyle(producer);
    if (
      style === null ||
      (style === 'send' && typeof (producer as SendProducer).send !== 'function') ||
      (style === 'produce' && typeof (producer as ProduceProducer).produce !== 'function')
    ) {
      throw new ConfigurationError(
        'producer',
        'must have send({ topic, messages }) (kafkajs) or produce(topic, partition, value, key) (confluent-kafka)',
      );
    }
    if (typeof topic !== 'string' || topic.length === 0) {
      throw new ConfigurationError('topic', 'must be a non-empty string');
    }
    if (sendOptions === null || typeof sendOptions !== 'object' || Array.isArray(sendOptions)) {
      throw new ConfigurationError('sendOptions', 'must be an object');
    }
    super(buffered);
    this.topic = topic;
    this.#producer = producer;
    this.#style = style;
    this.#sendOptions = sendOptions;
    this.#headers = headers ?? { 'content-type': 'application/json' };
    this.#awaitDelivery = awaitDelivery;
    this.#exportTimeout = buffered.exportTimeout ?? 30_000;
  }

  /**
   * A message Kafka refuses for what it is (too large, an invalid record) is reported alone and
   * never retried: with send() the whole batch is refused, so it is reported as an
   * EventRejectedError and the batch is split until that message is alone; with produce() the
   * message is skipped and the others of the batch are produced once.
   */
  protected override async handleBatch(events: readonly PermissionAuditEvent[], context: BatchContext): Promise<void> {
    if (this.#style === 'send') {
      const messages: KafkaMessage[] = events.map((event) => this.#message(event));
      try {
        await (this.#producer as SendProducer).send({ ...this.#sendOptions, topic: this.topic, messages });
      } catch (err) {
        if (!isMessageRefusal(err)) throw err;
        throw new EventRejectedError(
          `KafkaAuditLogger: Kafka refused ${events.length === 1 ? 'the message' : `a batch of ${events.length} messages`}: ${err instanceof Error ? err.message : String(err)}`,
          { cause: err, event: events.length === 1 ? events[0] : undefined },
        );
      }
      return;
    }
    const producer = this.#producer as ProduceProducer;
    let done = this.#produced.get(events) ?? 0;
    for (; done < events.length; done++) {
      if (context.signal.aborted) throw context.signal.reason;
      const event = events[done]!;
      let value: string;
      try {
        value = this.#value(event);
      } catch (err) {
        context.reject(event, err);
        continue;
      }
      try {
        producer.produce(this.topic, null, Buffer.from(value, 'utf8'), event.manager, event.timestamp.getTime());
      } catch (err) {
        if (isMessageRefusal(err)) {
          context.reject(event, err);
          continue;
        }
        this.#produced.set(events, done);
        throw err;
      }
    }
    this.#produced.set(events, done);
    if (this.#awaitDelivery && typeof producer.flush === 'function') {
      await new Promise<void>((resolve, reject) => {
        producer.flush!(this.#exportTimeout, (err) => (err ? reject(err) : resolve()));
      });
    }
  }

  /** The message value; an event that cannot be serialised is refused alone. */
  #value(event: PermissionAuditEvent): string {
    return JSON.stringify(serializeEvent(event));
  }

  #message(event: PermissionAuditEvent): KafkaMessage {
    try {
      return {
        key: event.manager,
        value: this.#value(event),
        headers: this.#headers,
        timestamp: String(event.timestamp.getTime()),
      };
    } catch (err) {
      throw new EventRejectedError(
        `KafkaAuditLogger: a permission audit event cannot be serialised: ${err instanceof Error ? err.message : String(err)}`,
        {
          cause: err,
          event,
        },
      );
    }
  }
}
