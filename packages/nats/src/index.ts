// Public API of @audit-events/nats. Nothing else is public.
export {
  JetStreamEventStore,
  DEFAULT_PUBLISH_TIMEOUT_MS,
  DEFAULT_EVENT_SUBJECT_PREFIX,
} from './jetstream-event-store.js';
export type { JetStreamEventStoreOptions, JetStreamStoreStats } from './jetstream-event-store.js';
export { JetStreamAuditLogger, DEFAULT_PERMISSION_SUBJECT_PREFIX } from './jetstream-audit-logger.js';
export type { JetStreamAuditLoggerOptions } from './jetstream-audit-logger.js';
export {
  ensureAuditStream,
  DEFAULT_STREAM_NAME,
  DEFAULT_STREAM_SUBJECTS,
  DEFAULT_DUPLICATE_WINDOW_MS,
  DEFAULT_MAX_AGE_MS,
} from './audit-stream.js';
export type { AuditStreamOptions } from './audit-stream.js';
export { ensureIngestConsumer, DEFAULT_INGEST_CONSUMER, DEFAULT_ACK_WAIT_MS } from './ingest-consumer.js';
export type { IngestConsumerOptions } from './ingest-consumer.js';
export { ingestAuditEvents, DEFAULT_INGEST_BATCH_SIZE, DEFAULT_DEAD_LETTER_SUBJECT } from './ingest.js';
export type { IngestOptions, IngestBatch, IngestTotals, IngestLoopOptions } from './ingest.js';
export { ingestPermissionDecisions, DEFAULT_PERMISSION_INGEST_CONSUMER } from './ingest-permissions.js';
export type { PermissionIngestOptions } from './ingest-permissions.js';
export {
  encodeSubjectToken,
  decodeSubjectToken,
  eventSubject,
  permissionSubject,
  PERMISSION_TOKEN,
} from './subjects.js';
export { encodeEvent, decodeEvent } from './event-wire.js';
export { decodeDecision } from './permission-wire.js';
export type { DecodedDecision } from './permission-wire.js';
export {
  KIND_HEADER,
  MSG_ID_HEADER,
  REASON_HEADER,
  ORIGINAL_SUBJECT_HEADER,
  ORIGINAL_SEQUENCE_HEADER,
} from './headers.js';
export type { MessageKind } from './headers.js';
