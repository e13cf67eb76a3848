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
  ShutdownError,
  InvalidInputError,
  EventRejectedError,
  CheckInputRejectedError,
  rejectUnknownOptions,
} from './errors.js';
export type { AuditErrorCode } from './errors.js';
export type { PermissionDenial } from './errors.js';

export { AuditContext } from './context/audit-context.js';
export type { AuditContextInit, AuditContextSource, SerializedAuditContext } from './context/audit-context.js';
export { getAuditContext, currentAuditContext, runWithAuditContext, bindEmitter } from './context/current.js';
export { AuditContextMixin } from './context/mixin.js';
// OpenTelemetry correlation (optional peer @opentelemetry/api): trace_id/span_id in content and metadata.
export { TRACE_ID_KEY, SPAN_ID_KEY } from './context/audit-context.js';
export { activeTraceIds } from './context/trace.js';
export type { TraceIds } from './context/trace.js';
export type { WithAuditContext } from './context/mixin.js';

export type { AuditEvent, AuditUser, ContentRef, JsonObject, JsonPrimitive, JsonValue } from './events/types.js';
export { EventDraft } from './events/draft.js';
export type { EventOptions } from './events/draft.js';
// The audit model (issue 17): tenant, actor type, action, outcome, reason.
export {
  ACTOR_TYPES,
  OUTCOMES,
  DEFAULT_OUTCOME,
  MAX_ACTION_LENGTH,
  MAX_REASON_LENGTH,
  MAX_TENANT_ID_LENGTH,
  MAX_ACTOR_FIELD_LENGTH,
  defaultActorType,
  checkTenantId,
  checkAction,
  checkOutcome,
  checkActorType,
  checkReason,
  checkActor,
} from './events/audit-model.js';
export type { ActorType, Outcome, AuditActor } from './events/audit-model.js';
export { defaultDescriber, describeContentObject } from './events/describe.js';
export type { ContentDescriber } from './events/describe.js';
export { toJsonSafe } from './events/json-safe.js';
export { newEventId, isEventId, eventIdTime } from './events/ids.js';
export { normalizeUser } from './events/user.js';

export { MASK, DEFAULT_MASKED_FIELDS, ALWAYS_MASKED_HEADERS, FieldMasker } from './masking/mask.js';
// One masking configuration for captured request data, event content, extraData and permission metadata.
export { configureMasking, getMasker } from './masking/config.js';
export type { MaskingOptions } from './masking/config.js';
export { DEFAULT_MAX_BODY_BYTES, truncateJson } from './masking/truncate.js';
export { maskFreeText } from './masking/free-text.js';
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
export { resolveRequestId, resolveRequestIds, isWellFormedRequestId, newRequestId, CLIENT_REQUEST_ID_KEY } from './request/request-id.js';
export type { RequestIds } from './request/request-id.js';
export { normalizeIp } from './request/client-ip.js';
export { bindRequestBody } from './request/bind-body.js';
export { setHeaderUnlessSent } from './request/response-header.js';
export { pickHeaders } from './request/headers.js';
export { absoluteUrl, pathOf, safeHost, INVALID_HOST } from './request/url.js';
export {
  respondToListing,
  resolveRouterOptions,
  parseListingQuery,
  DEFAULT_MAX_LIMIT,
} from './request/event-listing.js';
export type { EventsRouterOptions, ResolvedRouterOptions, ListingResponse } from './request/event-listing.js';

// Permission audit logging (general_manager's PermissionAuditEvent and loggers).
export { createPermissionAuditEvent, isPermissionAuditEvent, permissionActorType, permissionEventId, PERMISSION_ACTIONS } from './permission/event.js';
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
export type { PermissionDefinition, AttributeDefinition, CrudAction } from './permission/permission.js';
export { MutationPermission, defineMutationPermission, MUTATE_ATTRIBUTE } from './permission/mutation-permission.js';
export type { MutationPermissionDefinition, MutationCheckOptions } from './permission/mutation-permission.js';
export type { CheckOptions, CreateCheckOptions } from './permission/check-user.js';
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
export { closeAuditing, DEFAULT_CLOSE_TIMEOUT_MS } from './lifecycle/close-auditing.js';
export type { CloseAuditingOptions } from './lifecycle/close-auditing.js';

// Deployment stamp (metadata.deployment) and permission-log reports (denied, bypasses, regressions, timeline).
export {
  configureDeployment,
  currentDeployment,
  deploymentMetadata,
  DEPLOYMENT_ENV,
  DEPLOYMENT_METADATA_KEY,
  MAX_DEPLOYMENT_LENGTH,
} from './permission/deployment.js';
export { enrichEvent } from './permission/enrich.js';
export { bucketOf, bucketStart } from './reports/tally.js';
export type { Tally, TallyColumn, TallyFilter, TallyQuery, TimeBucket } from './reports/tally.js';
export { toReportableEvent } from './reports/reportable-event.js';
export type { ReportableEvent } from './reports/reportable-event.js';
export { tallyEvents } from './reports/tally-events.js';
export type { EventSource, TallyEventsResult } from './reports/tally-events.js';
export { checkWindow } from './reports/report-definition.js';
export type { ReportDefinition, TimeWindow } from './reports/report-definition.js';
export { GROUP_KEYS, checkGroupKeys } from './reports/group-keys.js';
export type { GroupKey, GroupRow } from './reports/group-keys.js';
export type { CountReport } from './reports/count-report.js';
export { defineDeniedReport, DEFAULT_DENIED_BY } from './reports/denied.js';
export type { DeniedReportOptions } from './reports/denied.js';
export { defineBypassReport, DEFAULT_BYPASS_BY } from './reports/bypasses.js';
export type { BypassReportOptions } from './reports/bypasses.js';
export { defineRegressionReport, DEFAULT_REGRESSION_THRESHOLD } from './reports/regressions.js';
export type { RegressionReport, RegressionReportOptions, RegressionRow } from './reports/regressions.js';
export { defineTimelineReport, AUTO_HOURLY_SPAN_MS, MAX_FILLED_BUCKETS } from './reports/timeline.js';
export type { TimelineOptions, TimelineReport, TimelineRow } from './reports/timeline.js';
export { runReport, runReports } from './reports/run-reports.js';
export type { ReportResults, RunReportsResult } from './reports/run-reports.js';
export { PermissionLogReader, readPermissionLog, DEFAULT_MAX_LINE_BYTES } from './reports/ndjson-reader.js';
export type { PermissionLogStats, ReadPermissionLogOptions } from './reports/ndjson-reader.js';
