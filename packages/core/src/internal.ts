// @audit-events/core/internal: what the other audit-events packages share with this one (framework
// adapters, knex, the CLI). Not part of the public API: it may change in any release.
export { rejectUnknownOptions } from './errors.js';
export { activeTraceIds } from './context/trace.js';
export {
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
export { describeContentObject } from './events/describe.js';
export { eventIdTime } from './events/ids.js';
export { maskFreeText } from './masking/free-text.js';
export { getEventStore } from './store/configure.js';
export {
  normalizeQuery,
  encodeCursor,
  decodeCursor,
  compareNewestFirst,
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
} from './store/query.js';
export { parseQueryDate } from './store/query-date.js';
export { createRequestContext } from './request/capture.js';
export { maskUrl } from './masking/url.js';
export { resolveOptions } from './request/options.js';
export {
  resolveRequestId,
  resolveRequestIds,
  isWellFormedRequestId,
  CLIENT_REQUEST_ID_KEY,
} from './request/request-id.js';
export { normalizeIp } from './request/client-ip.js';
export { rememberPeerAddress } from './request/peer-address.js';
export { bindRequestBody } from './request/bind-body.js';
export { setHeaderUnlessSent } from './request/response-header.js';
export { pickHeaders } from './request/headers.js';
export { absoluteUrl, pathOf, INVALID_HOST } from './request/url.js';
export {
  respondToListing,
  respondToEvent,
  resolveRouterOptions,
  parseListingQuery,
  DEFAULT_MAX_LIMIT,
} from './request/event-listing.js';
export { checkScope, applyScope } from './request/listing-scope.js';
export { EVENT_FIELDS } from './request/listing-fields.js';
export { formatTimestamp } from './permission/serialize.js';
export { enrichFromContext } from './permission/enrich.js';
export { MUTATE_ATTRIBUTE } from './permission/mutation-permission.js';
export {
  currentDeployment,
  deploymentMetadata,
  DEPLOYMENT_ENV,
  DEPLOYMENT_METADATA_KEY,
} from './permission/deployment.js';
export { enrichEvent } from './permission/enrich.js';
export { bucketOf, bucketStart } from './reports/tally.js';
export { toReportableEvent } from './reports/reportable-event.js';
export { tallyEvents } from './reports/tally-events.js';
export { checkWindow } from './reports/report-definition.js';
export { GROUP_KEYS, checkGroupKeys } from './reports/group-keys.js';
export { DEFAULT_DENIED_BY } from './reports/denied.js';
export { DEFAULT_BYPASS_BY } from './reports/bypasses.js';
export { DEFAULT_REGRESSION_THRESHOLD } from './reports/regressions.js';
export { AUTO_HOURLY_SPAN_MS, MAX_FILLED_BUCKETS } from './reports/timeline.js';
export {
  normalizeExportQuery,
  compareOldestFirst,
  DEFAULT_EXPORT_PAGE_SIZE,
  MAX_EXPORT_PAGE_SIZE,
} from './store/export-query.js';
export { booleanOption, integerOption } from './option-checks.js';
