/** Broker and client error types that refuse a message for what it is: its size or its format. */
const REFUSED_TYPES = new Set([
  'MESSAGE_TOO_LARGE',
  'INVALID_RECORD',
  'MSG_SIZE_TOO_LARGE',
  'ERR_MSG_SIZE_TOO_LARGE',
  'ERR_INVALID_RECORD',
  'ERR__MSG_SIZE_TOO_LARGE',
]);
/** Kafka protocol / librdkafka codes of the same: 10 MESSAGE_TOO_LARGE, 87 INVALID_RECORD. */
const REFUSED_CODES = new Set([10, 87]);

/**
 * Whether Kafka refused a message for its content, so sending it again cannot succeed: kafkajs's
 * protocol errors carry `type` (and `retriable: false`), node-rdkafka's a numeric `code`. Wrapped
 * errors (KafkaJSNonRetriableError, cause chains) are looked through. Anything else — a broker
 * down, a full local queue, a timeout — is retried as before.
 */
export function isMessageRefusal(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current !== null && typeof current === 'object'; depth++) {
    const e = current as { type?: unknown; code?: unknown; cause?: unknown; originalError?: unknown };
    if (typeof e.type === 'string' && REFUSED_TYPES.has(e.type)) return true;
    if (typeof e.code === 'number' && REFUSED_CODES.has(e.code) && e.type === undefined) return true;
    current = e.cause ?? e.originalError;
  }
  return false;
}
