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
  PermissionCheckError,
  ArchiveError,
  InvalidEventError,
  DatabaseUnreachableError,
} from './errors.js';
export type { AuditErrorCode } from './errors.js';
export type { PermissionDenial } from './errors.js';

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
export { absoluteUrl, pathOf, safeHost, INVALID_HOST } from './request/url.js';
export {
  respondToListing,
  resolveRouterOptions,
  parseListingQuery,
  DEFAULT_MAX_LIMIT,
} from './request/event-listing.js';
export type { EventsRouterOptions, ResolvedRouterOptions, ListingResponse } from './request/event-listing.js';

// Permission audit logging (general_manager's PermissionAuditEvent and loggers).
export { createPermissionAuditEvent, isPermissionAuditEvent, PERMISSION_ACTIONS } from './permission/event.js';
export type { PermissionAction, PermissionAuditEvent, PermissionAuditEventInit } from './permission/event.js';
export { serializeEvent, serializeEventLine, formatTimestamp, UNSERIALIZABLE_METADATA_KEY } from './permission/serialize.js';
export type { SerializedPermissionAuditEvent, SerializeOptions } from './permission/serialize.js';
export { isAuditLogger } from './permission/audit-logger.js';
export type { AuditLogger } from './permission/audit-logger.js';
export {
  configureAuditLogger,
  getAuditLogger,
  auditLoggingEnabled,
  emitPermissionAuditEvent,
  emitFailureCount,
} from './permission/configure.js';
export type { ConfigureAuditLoggerOptions } from './permission/configure.js';
export { enrichFromContext } from './permission/enrich.js';
export { configureAuditLoggerFromSettings, resolveAuditLoggerSetting } from './permission/settings.js';
export type { AuditLoggerSetting, AuditLoggerClassSetting, SettingsOptions } from './permission/settings.js';
export {
  registerPermissionRule,
  getPermissionRule,
  isPublic,
  isAuthenticated,
  isAdmin,
  isSelf,
  matches,
  hasRole,
} from './permission/rules.js';
export type { PermissionRule } from './permission/rules.js';
export { Permission, definePermission, DEFAULT_PERMISSIONS } from './permission/permission.js';
export type { PermissionDefinition, CrudAction } from './permission/permission.js';
export { MutationPermission, defineMutationPermission, MUTATE_ATTRIBUTE } from './permission/mutation-permission.js';
export type { MutationPermissionDefinition } from './permission/mutation-permission.js';
export type { CheckOptions } from './permission/check-user.js';
export { BufferedAuditLogger } from './loggers/buffered-audit-logger.js';
export type { BatchContext } from './loggers/buffered-audit-logger.js';
export { BUFFERED_DEFAULTS } from './loggers/buffered-options.js';
export type { BufferedAuditLoggerOptions } from './loggers/buffered-options.js';
export type { Scheduler } from './loggers/scheduler.js';
export { FileAuditLogger } from './loggers/file-audit-logger.js';
export type { FileAuditLoggerOptions } from './loggers/file-audit-logger.js';
export { MemoryAuditLogger } from './loggers/memory-audit-logger.js';
export { captureAuditEvents } from './loggers/capture.js';
export { SIGNAL_FLUSH_TIMEOUT_MS } from './loggers/exit-hooks.js';
