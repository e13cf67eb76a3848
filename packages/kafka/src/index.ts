// Public API of @audit-events/kafka. Nothing else is public.
export { KafkaAuditLogger } from './kafka-audit-logger.js';
export type { KafkaAuditLoggerOptions } from './kafka-audit-logger.js';
export type { KafkaMessage, KafkaProducerLike, SendProducer, ProduceProducer, ProducerStyle } from './producer.js';
