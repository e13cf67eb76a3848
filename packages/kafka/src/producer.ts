/** A kafkajs-style message. */
export interface KafkaMessage {
  key: string | null;
  value: string;
  headers?: Record<string, string>;
  timestamp?: string;
}

/** kafkajs (and @confluentinc/kafka-javascript's KafkaJS API): `send({ topic, messages })`. */
export interface SendProducer {
  send(record: { topic: string; messages: KafkaMessage[]; [option: string]: unknown }): Promise<unknown>;
}

/**
 * node-rdkafka / confluent-kafka style: `produce(topic, partition, value, key, timestamp)`, which
 * only queues; `flush(timeout, callback)` waits until the queue is delivered.
 */
export interface ProduceProducer {
  produce(
    topic: string,
    partition: number | null,
    value: Buffer,
    key?: string | null,
    timestamp?: number | null,
  ): unknown;
  flush?(timeout: number, callback: (err?: Error | null) => void): unknown;
}

export type KafkaProducerLike = SendProducer | ProduceProducer;

export type ProducerStyle = 'send' | 'produce';

/** Which API the producer speaks; `send` wins when both exist (the promise-based one reports errors per batch). */
export function producerStyle(producer: unknown): ProducerStyle | null {
  if (producer === null || typeof producer !== 'object') return null;
  const p = producer as Record<string, unknown>;
  if (typeof p['send'] === 'function') return 'send';
  if (typeof p['produce'] === 'function') return 'produce';
  return null;
}
