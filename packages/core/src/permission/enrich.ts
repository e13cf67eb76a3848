import { SPAN_ID_KEY, TRACE_ID_KEY, type AuditContext } from '../context/audit-context.js';
import { activeTraceIds } from '../context/trace.js';
import type { ActorType, AuditActor } from '../events/audit-model.js';
import type { AuditUser } from '../events/types.js';
import { CLIENT_REQUEST_ID_KEY } from '../request/request-id.js';
import { getMasker } from '../masking/config.js';
import type { FieldMasker } from '../masking/mask.js';
import { currentDeployment, DEPLOYMENT_METADATA_KEY } from './deployment.js';
import {
  isMetadataMasked,
  rebuildPermissionAuditEvent,
  withMaskedMetadata,
  type PermissionAuditEvent,
} from './event.js';
import { serializeMetadata } from './serialize.js';

/**
 * Events whose user was given explicitly (an explicit anonymous `null` included): the context's
 * user must not replace it, or a decision made for an anonymous caller would name someone else.
 */
const explicitUser = new WeakSet<object>();

export function markUserExplicit(event: PermissionAuditEvent): PermissionAuditEvent {
  explicitUser.add(event);
  return event;
}

/**
 * Ties a decision to the request it came from: `request_id` (and `client_request_id`), `url`, `method` and `ip` of the
 * audit context go into metadata (keys the caller set explicitly win), the context's user is
 * used when the event names none, and its tenant and actor type when the event has none (see
 * contextActorType). Returns `event` itself when there is nothing to add.
 */
export function enrichFromContext(event: PermissionAuditEvent, context: AuditContext): PermissionAuditEvent {
  const added: Record<string, unknown> = {};
  let count = 0;
  if (context.requestId !== null) {
    added['request_id'] = context.requestId;
    count++;
  }
  if (context.clientRequestId !== null) {
    added[CLIENT_REQUEST_ID_KEY] = context.clientRequestId;
    count++;
  }
  if (context.url !== null) {
    added['url'] = context.url;
    count++;
  }
  if (context.method !== null) {
    added['method'] = context.method;
    count++;
  }
  if (context.ip !== null) {
    added['ip'] = context.ip;
    count++;
  }
  const explicitAnonymous = event.user === null && explicitUser.has(event);
  let user: AuditUser | null = event.user;
  if (user === null && !explicitAnonymous) user = contextUser(context);
  const tenantId = event.tenantId ?? contextTenant(context);
  const actorType = event.actorType ?? contextActorType(context, user, explicitAnonymous);
  if (
    count === 0 &&
    user === event.user &&
    tenantId === (event.tenantId ?? null) &&
    actorType === (event.actorType ?? null)
  )
    return event;
  return rebuildPermissionAuditEvent(event, {
    user,
    tenantId,
    actorType,
    // Spread defines own properties, so a `__proto__` key in either stays data.
    metadata:
      count === 0 ? (event.metadata as Record<string, unknown> | null) : { ...added, ...(event.metadata ?? {}) },
  });
}

/** The context's tenant; null when it has none, or its getter fails (the decision is kept). */
function contextTenant(context: AuditContext): string | null {
  try {
    // `?? null`: a context made by an older copy of this package has no tenantId.
    return (context as { tenantId?: string | null }).tenantId ?? null;
  } catch {
    return null;
  }
}

/**
 * The context's actor type when the decision is about its actor: the user came from the context,
 * or names the same id (repr without ids). A check made explicitly for somebody else (an admin
 * checking what a user may do) is a `user`'s; one made explicitly for nobody is `anonymous`.
 * Null when the context cannot say (an older copy of this package, a failing getActor).
 */
function contextActorType(context: AuditContext, user: AuditUser | null, explicitAnonymous: boolean): ActorType | null {
  if (explicitAnonymous) return 'anonymous';
  let actor: AuditActor | null;
  try {
    const read = (context as { actor?: () => AuditActor }).actor;
    actor = typeof read === 'function' ? read.call(context) : null;
  } catch {
    return null;
  }
  if (actor === null || actor === undefined) return null;
  if (user === null) return actor.type;
  const same = actor.id !== null ? actor.id === user.id : actor.repr === user.repr;
  return same ? actor.type : 'user';
}

/**
 * Who the context says acts, as a user: its actor's id and repr (getActor wins over getUser, as
 * for request events; without getActor the actor is the user), else its user.
 */
function contextUser(context: AuditContext): AuditUser | null {
  try {
    const read = (context as { actor?: () => AuditActor }).actor;
    if (typeof read !== 'function') return context.user;
    const actor = read.call(context);
    if (actor.id === null && actor.repr === null) return null;
    return { id: actor.id, repr: actor.repr ?? (actor.id as string) };
  } catch {
    // The user is read lazily through the app's own getter; a broken getter must not cost the event.
    return null;
  }
}

/**
 * Everything emitPermissionAuditEvent does to an event: adds the deployment (configureDeployment()
 * or AUDIT_EVENTS_DEPLOYMENT), and inside an audit context the request's fields and user (see
 * enrichFromContext), keys the caller set explicitly winning; then masks the metadata, with the
 * context's masker (the request's maskPostFields) or else the process-wide one. Returns `event`
 * itself when there is nothing to add and no metadata to mask.
 */
export function enrichEvent(event: PermissionAuditEvent, context: AuditContext | undefined): PermissionAuditEvent {
  const enriched = withDeployment(
    withTraceIds(context === undefined ? event : enrichFromContext(event, context), context),
  );
  // `?.`: a context made by an older copy of this package has no masker.
  return maskMetadata(enriched, context?.masker ?? getMasker());
}

/**
 * Metadata as JSON, masked: done here, where the request's masker is known, and not only by the
 * serializer, so that the event a logger holds (or a custom logger writes as it likes) never
 * carries the secret. Salvages what cannot be stored, as the serializer would.
 */
function maskMetadata(event: PermissionAuditEvent, masker: FieldMasker): PermissionAuditEvent {
  const metadata = event.metadata;
  if (metadata === null || isMetadataMasked(event)) return event;
  return withMaskedMetadata(event, serializeMetadata(metadata, false, masker) ?? {});
}

function withDeployment(enriched: PermissionAuditEvent): PermissionAuditEvent {
  const deployment = currentDeployment();
  if (deployment === null) return enriched;
  const metadata = enriched.metadata;
  if (metadata !== null && Object.prototype.hasOwnProperty.call(metadata, DEPLOYMENT_METADATA_KEY)) return enriched;
  // The user is already resolved; an explicit anonymous null must stay null (see explicitUser).
  return rebuildPermissionAuditEvent(enriched, {
    metadata: { [DEPLOYMENT_METADATA_KEY]: deployment, ...(metadata ?? {}) },
  });
}

/**
 * OpenTelemetry correlation: `trace_id` and `span_id` of the span active when the decision is
 * emitted (the most precise one), else of the audit context's request span. Nothing is added
 * without a trace (or without @opentelemetry/api installed); keys the caller set explicitly win.
 */
export function withTraceIds(event: PermissionAuditEvent, context: AuditContext | undefined): PermissionAuditEvent {
  let traceId: string | null = null;
  let spanId: string | null = null;
  const active = activeTraceIds();
  if (active !== null) {
    traceId = active.traceId;
    spanId = active.spanId;
  } else if (context !== undefined && context.traceId !== null) {
    traceId = context.traceId;
    spanId = context.spanId;
  }
  if (traceId === null) return event;
  const metadata = event.metadata;
  if (metadata !== null && Object.prototype.hasOwnProperty.call(metadata, TRACE_ID_KEY)) return event;
  const ids: Record<string, unknown> = { [TRACE_ID_KEY]: traceId };
  if (spanId !== null) ids[SPAN_ID_KEY] = spanId;
  // The user is already resolved: an explicit anonymous null must stay null.
  return rebuildPermissionAuditEvent(event, { metadata: { ...ids, ...(metadata ?? {}) } });
}
