// Public API of @audit-events/core. Nothing else is public.
export {
  AuditEventsError,
  NoContentObjectError,
  NotJsonSerializableError,
  NoEventStoreError,
  InvalidIdentifierError,
  ConfigurationError,
  InvalidQueryError,
  StoreWriteError,
  StoreTimeoutError,
  StoreClosedError,
  AbortedError,
} from './errors.js';
export type { AuditErrorCode } from './errors.js';

export { AuditContext } from './context/audit-context.js';
export type { AuditContextInit, SerializedAuditContext } from './context/audit-context.js';
export { getAuditContext, currentAuditContext, runWithAuditContext, bindEmitter } from './context/current.js';
export { AuditContextMixin } from './context/mixin.js';
export type { WithAuditContext } from './context/mixin.js';

export type { AuditEvent, AuditUser, ContentRef, JsonObject, JsonPrimitive, JsonValue } from './events/types.js';
export { EventDraft } from './events/draft.js';
export { defaultDescriber, describeContentObject } from './events/describe.js';
export type { ContentDescriber } from './events/describe.js';
export { toJsonSafe } from './events/json-safe.js';
export { newEventId, isEventId, eventIdTime } from './events/ids.js';
export { normalizeUser } from './events/user.js';

export { MASK, DEFAULT_MASKED_FIELDS, ALWAYS_MASKED_HEADERS, FieldMasker } from './masking/mask.js';
export { DEFAULT_MAX_BODY_BYTES, truncateJson } from './masking/truncate.js';
export type { TruncatedMarker } from './masking/truncate.js';

export type { EventStore, EventQuery, EventPage } from './store/event-store.js';
export { MemoryEventStore } from './store/memory-store.js';
export { configureEventStore, getEventStore } from './store/configure.js';
export {
  normalizeQuery,
  encodeCursor,
  decodeCursor,
  compareNewestFirst,
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
} from './store/query.js';
export type { NormalizedQuery, CursorPosition } from './store/query.js';

export { createRequestContext, maskUrl } from './request/capture.js';
export type { RequestSnapshot } from './request/capture.js';
export { resolveOptions } from './request/options.js';
export type { AuditContextOptions, ResolvedOptions } from './request/options.js';
export { resolveRequestId, isWellFormedRequestId } from './request/request-id.js';
export { normalizeIp } from './request/client-ip.js';
export { pickHeaders, canonicalHeaderName } from './request/headers.js';
