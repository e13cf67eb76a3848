// Public API of @audit-events/core. Nothing else is public.
export {
  AuditEventsError,
  NoContentObjectError,
  NotJsonSerializableError,
  NoEventStoreError,
  InvalidIdentifierError,
  ConfigurationError,
  InvalidQueryError,
  InvalidScopeError,
  StoreWriteError,
  StoreTimeoutError,
  LoggerWriteError,
  LoggerTimeoutError,
  StoreClosedError,
  AbortedError,
  PermissionCheckError,
  ArchiveError,
  InvalidEventError,
  DatabaseUnreachableError,
  ShutdownError,
  ExportError,
  InvalidInputError,
  EventRejectedError,
  CheckInputRejectedError,
} from './errors.js';
export type { AuditErrorCode } from './errors.js';
export type { PermissionDenial } from './errors.js';

export { AuditContext } from './context/audit-context.js';
export type { AuditContextInit, AuditContextSource, SerializedAuditContext } from './context/audit-context.js';
export { getAuditContext, currentAuditContext, runWithAuditContext, bindEmitter } from './context/current.js';
export { AuditContextMixin } from './context/mixin.js';
// OpenTelemetry correlation (optional peer @opentelemetry/api): trace_id/span_id in content and metadata.
export type { TraceIds } from './context/trace.js';
export type { WithAuditContext } from './context/mixin.js';

export type { AuditEvent, AuditUser, ContentRef, JsonObject, JsonPrimitive, JsonValue } from './events/types.js';
export { EventDraft } from './events/draft.js';
export type { EventOptions } from './events/draft.js';
// The audit model: tenant, actor type, action, outcome, reason.
export { ACTOR_TYPES, OUTCOMES } from './events/audit-model.js';
export type { ActorType, Outcome, AuditActor } from './events/audit-model.js';
export { defaultDescriber } from './events/describe.js';
export type { ContentDescriber } from './events/describe.js';
export { toJsonSafe } from './events/json-safe.js';
// Change events: createChangeEvent's JSON Patch (docs/change-events.md).
export {
  computeChangePatch,
  CHANGES_KEY,
  CHANGES_TRUNCATED_KEY,
  MAX_CHANGE_OPERATIONS,
  MAX_CHANGE_INPUT_BYTES,
} from './events/change-patch.js';
export type { ChangeOperation, ChangePatch, ChangeTruncation } from './events/change-patch.js';
export type { ChangeEventOptions } from './events/change-event.js';
export { newEventId, isEventId } from './events/ids.js';

export { MASK, DEFAULT_MASKED_FIELDS, FieldMasker } from './masking/mask.js';
// One masking configuration for captured request data, event content, extraData and permission metadata.
export { configureMasking, getMasker } from './masking/config.js';
export type { MaskingOptions } from './masking/config.js';
export type { TruncatedMarker } from './masking/truncate.js';

export type { EventStore, EventQuery, EventPage } from './store/event-store.js';
export { MemoryEventStore } from './store/memory-store.js';
export { configureEventStore } from './store/configure.js';
export type { NormalizedQuery, CursorPosition } from './store/query.js';
export { parseTimeBound } from './store/query-date.js';
export type { ExportQuery, NormalizedExportQuery } from './store/export-query.js';

export type { RequestSnapshot } from './request/capture.js';
export type { AuditContextOptions, ResolvedOptions } from './request/options.js';
export { newRequestId } from './request/request-id.js';
export type { RequestIds } from './request/request-id.js';
export { safeHost } from './request/url.js';
export type { EventsRouterOptions, ResolvedRouterOptions, ListingResponse } from './request/event-listing.js';
export type { EventScope, ScopeOption, ScopeFilters } from './request/listing-scope.js';
export type { EventField, EventFieldsOption, FieldVisibility } from './request/listing-fields.js';

// Permission audit logging (general_manager's PermissionAuditEvent and loggers).
export {
  createPermissionAuditEvent,
  isPermissionAuditEvent,
  permissionActorType,
  permissionEventId,
  PERMISSION_ACTIONS,
} from './permission/event.js';
export type { PermissionAction, PermissionAuditEvent, PermissionAuditEventInit } from './permission/event.js';
export { serializeEvent, serializeEventLine, UNSERIALIZABLE_METADATA_KEY } from './permission/serialize.js';
export type { SerializedPermissionAuditEvent, SerializeOptions } from './permission/serialize.js';
export type { AuditLogger } from './permission/audit-logger.js';
export {
  configureAuditLogger,
  getAuditLogger,
  auditLoggingEnabled,
  emitPermissionAuditEvent,
  emitFailureCount,
} from './permission/configure.js';
export type { ConfigureAuditLoggerOptions } from './permission/configure.js';
export { configureAuditLoggerFromSettings, resolveAuditLoggerSetting } from './permission/settings.js';
export type { AuditLoggerSetting, AuditLoggerClassSetting, SettingsOptions } from './permission/settings.js';
export { registerPermissionRule, isAuthenticated, isAdmin, isSelf, matches, hasRole } from './permission/rules.js';
export type { PermissionRule } from './permission/rules.js';
export { Permission, definePermission } from './permission/permission.js';
export type { PermissionDefinition, AttributeDefinition, CrudAction } from './permission/permission.js';
export { MutationPermission, defineMutationPermission } from './permission/mutation-permission.js';
export type { MutationPermissionDefinition, MutationCheckOptions } from './permission/mutation-permission.js';
export type { CheckOptions, CreateCheckOptions } from './permission/check-user.js';
export { BufferedAuditLogger } from './loggers/buffered-audit-logger.js';
export type { AuditBatchExporter, BatchContext } from './loggers/batch-exporter.js';
export { BUFFERED_DEFAULTS } from './loggers/buffered-options.js';
export type { BufferedAuditLoggerOptions } from './loggers/buffered-options.js';
export type { Scheduler } from './loggers/scheduler.js';
export { FileAuditLogger } from './loggers/file-audit-logger.js';
export type { FileAuditLoggerOptions } from './loggers/file-audit-logger.js';
export { MemoryAuditLogger } from './loggers/memory-audit-logger.js';
export { captureAuditEvents } from './loggers/capture.js';
export { SIGNAL_FLUSH_TIMEOUT_MS } from './loggers/exit-hooks.js';
export { closeAuditing } from './lifecycle/close-auditing.js';
export type { CloseAuditingOptions } from './lifecycle/close-auditing.js';

// Deployment stamp (metadata.deployment) and permission-log reports (denied, bypasses, regressions, timeline).
export { configureDeployment, MAX_DEPLOYMENT_LENGTH } from './permission/deployment.js';
export type { Tally, TallyColumn, TallyFilter, TallyQuery, TimeBucket } from './reports/tally.js';
export type { ReportableEvent } from './reports/reportable-event.js';
export type { EventSource, TallyEventsResult } from './reports/tally-events.js';
export type { ReportDefinition, TimeWindow } from './reports/report-definition.js';
export type { GroupKey, GroupRow } from './reports/group-keys.js';
export type { CountReport } from './reports/count-report.js';
export { defineDeniedReport } from './reports/denied.js';
export type { DeniedReportOptions } from './reports/denied.js';
export { defineBypassReport } from './reports/bypasses.js';
export type { BypassReportOptions } from './reports/bypasses.js';
export { defineRegressionReport } from './reports/regressions.js';
export type { RegressionReport, RegressionReportOptions, RegressionRow } from './reports/regressions.js';
export { defineTimelineReport } from './reports/timeline.js';
export type { TimelineOptions, TimelineReport, TimelineRow } from './reports/timeline.js';
export { runReport, runReports } from './reports/run-reports.js';
export type { ReportResults, RunReportsResult } from './reports/run-reports.js';
export { readPermissionLog } from './reports/ndjson-reader.js';
export type { PermissionLogStats, ReadPermissionLogOptions } from './reports/ndjson-reader.js';
