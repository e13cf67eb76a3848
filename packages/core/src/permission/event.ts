import { InvalidEventError } from '../errors.js';
import { checkActorType, checkTenantId, type ActorType } from '../events/audit-model.js';
import { isEventId, newEventId } from '../events/ids.js';
import type { AuditUser, JsonObject } from '../events/types.js';
import { normalizeUser } from '../events/user.js';

/** What a permission decision was about. */
export type PermissionAction = 'create' | 'read' | 'update' | 'delete' | 'mutation';

export const PERMISSION_ACTIONS: readonly PermissionAction[] = Object.freeze([
  'create',
  'read',
  'update',
  'delete',
  'mutation',
]);

/**
 * One permission decision (general_manager's PermissionAuditEvent). Read-only: its lists and
 * metadata are copies of what the caller passed, so a caller reusing its objects cannot change
 * what a logger holding the event in its queue will write. (Not Object.freeze()d: on the hot
 * path freezing cost more than the rest of building the event.)
 */
export interface PermissionAuditEvent {
  /**
   * A UUID v7 naming this decision, given when it is built and kept through enrichment and
   * retries: sinks store a decision once per id (the database's unique `event_id`, JetStream's
   * message id). Optional only for events built by hand; see permissionEventId().
   */
  readonly id?: string;
  readonly action: PermissionAction;
  /** Attribute names evaluated; empty for an operation-level check. */
  readonly attributes: readonly string[];
  readonly granted: boolean;
  /** True when a superuser shortcut granted the request without evaluating any rule. */
  readonly bypassed: boolean;
  /** Name of the permissioned resource (model, manager, mutation). */
  readonly manager: string | null;
  /** Who asked, normalised to `{ id, repr }`; null for anonymous. */
  readonly user: AuditUser | null;
  /** Every expression evaluated, inherited ones included. */
  readonly permissions: readonly string[];
  /** Free context; request_id/url/method/ip are added inside an audit context. */
  readonly metadata: Readonly<Record<string, unknown>> | null;
  /** When the decision was made (not when it was written). */
  readonly timestamp: Date;
  /** The tenant the decision was made in: given, else the audit context's; null for none. */
  readonly tenantId?: string | null;
  /**
   * Who asked (`user`, `service`, `api_key`, `system`, `agent`, `anonymous`): given, else the
   * audit context's actor when the decision is emitted; null when neither says, stored as `user`
   * with a user and `anonymous` without (see permissionActorType()).
   */
  readonly actorType?: ActorType | null;
}

/** What callers pass to build an event; `user` may be anything normalizeUser() accepts. */
export interface PermissionAuditEventInit {
  /** A UUID (lowercase hex, as newEventId() makes them); default a fresh UUID v7. */
  id?: string;
  action: PermissionAction;
  attributes?: readonly string[];
  granted: boolean;
  bypassed?: boolean;
  manager?: string | null;
  user?: unknown;
  permissions?: readonly string[];
  metadata?: Record<string, unknown> | null;
  timestamp?: Date;
  /** A string of at most 255 characters, or null (default: the audit context's when emitted). */
  tenantId?: string | null;
  /** One of ACTOR_TYPES (default: the audit context's actor when emitted). */
  actorType?: ActorType | null;
}

// Events made here are known to be well-formed, so emit() need not re-check them. The brand is a
// registered symbol on the prototype: cheap to test, and shared with other copies of this package.
const BRAND = Symbol.for('@audit-events/core.PermissionAuditEvent');

/**
 * Set on events whose metadata is already JSON and masked (by enrichEvent, with the masker of the
 * request it came from): the serializer writes it as it is instead of masking it again with the
 * process-wide rules, which would override a request's own (replaceDefaultMaskedFields).
 */
const METADATA_MASKED: unique symbol = Symbol.for('@audit-events/core.PermissionAuditEvent.metadataMasked');

class BuiltEvent implements PermissionAuditEvent {
  // Always assigned in the constructor, so every event has the same shape.
  readonly [METADATA_MASKED]: boolean;

  constructor(
    readonly id: string,
    readonly action: PermissionAction,
    readonly attributes: readonly string[],
    readonly granted: boolean,
    readonly bypassed: boolean,
    readonly manager: string | null,
    readonly user: AuditUser | null,
    readonly permissions: readonly string[],
    readonly metadata: Readonly<Record<string, unknown>> | null,
    readonly timestamp: Date,
    readonly tenantId: string | null,
    readonly actorType: ActorType | null,
    metadataMasked = false,
  ) {
    this[METADATA_MASKED] = metadataMasked;
  }
}
Object.defineProperty(BuiltEvent.prototype, BRAND, { value: true });

/** Validates and copies an event; malformed input is an InvalidEventError naming the field. */
export function createPermissionAuditEvent(init: PermissionAuditEventInit): PermissionAuditEvent {
  if (init === null || typeof init !== 'object') {
    throw new InvalidEventError('A permission audit event must be an object');
  }
  const action = init.action;
  if (action !== 'create' && action !== 'read' && action !== 'update' && action !== 'delete' && action !== 'mutation') {
    throw new InvalidEventError(
      `PermissionAuditEvent.action must be one of ${PERMISSION_ACTIONS.join(', ')}, got ${describe(action)}`,
    );
  }
  if (typeof init.granted !== 'boolean') {
    throw new InvalidEventError(`PermissionAuditEvent.granted must be a boolean, got ${describe(init.granted)}`);
  }
  if (init.bypassed !== undefined && typeof init.bypassed !== 'boolean') {
    throw new InvalidEventError(`PermissionAuditEvent.bypassed must be a boolean, got ${describe(init.bypassed)}`);
  }
  const manager = init.manager ?? null;
  if (manager !== null && typeof manager !== 'string') {
    throw new InvalidEventError(`PermissionAuditEvent.manager must be a string or null, got ${describe(manager)}`);
  }
  const metadata = init.metadata ?? null;
  if (metadata !== null && (typeof metadata !== 'object' || Array.isArray(metadata))) {
    throw new InvalidEventError(
      `PermissionAuditEvent.metadata must be a plain object or null, got ${describe(metadata)}`,
    );
  }
  let timestamp: Date;
  if (init.timestamp === undefined) {
    timestamp = new Date();
  } else {
    if (!(init.timestamp instanceof Date) || Number.isNaN(init.timestamp.getTime())) {
      throw new InvalidEventError('PermissionAuditEvent.timestamp must be a valid Date');
    }
    timestamp = new Date(init.timestamp.getTime());
  }
  let id: string;
  if (init.id === undefined) {
    // Now, not the event's timestamp: a caller's far-future timestamp would otherwise drag the
    // process-wide monotonic clock of newEventId() with it.
    id = newEventId();
  } else {
    if (!isEventId(init.id))
      throw new InvalidEventError(`PermissionAuditEvent.id must be a lowercase UUID, got ${describe(init.id)}`);
    id = init.id;
  }
  const tenantId = checkTenantId(init.tenantId, 'PermissionAuditEvent.tenantId');
  const actorType =
    init.actorType === undefined || init.actorType === null
      ? null
      : checkActorType(init.actorType, 'PermissionAuditEvent.actorType');
  const user = init.user;
  return new BuiltEvent(
    id,
    action,
    stringList(init.attributes, 'attributes'),
    init.granted,
    init.bypassed ?? false,
    manager,
    isAuditUser(user) ? { id: user.id, repr: user.repr } : normalizeUser(user),
    stringList(init.permissions, 'permissions'),
    // A shallow copy (spread defines own properties, so a `__proto__` key stays data).
    metadata === null ? null : { ...metadata },
    timestamp,
    tenantId,
    actorType,
  );
}

/** The same event with `metadata` (JSON, already masked) in place of its own; see METADATA_MASKED. */
export function withMaskedMetadata(event: PermissionAuditEvent, metadata: JsonObject): PermissionAuditEvent {
  return new BuiltEvent(
    permissionEventId(event),
    event.action,
    event.attributes,
    event.granted,
    event.bypassed,
    event.manager,
    event.user,
    event.permissions,
    metadata,
    event.timestamp,
    event.tenantId ?? null,
    event.actorType ?? null,
    true,
  );
}

/**
 * The same decision (same id) with some fields replaced, validated like a new one; the fields
 * not in `changes` are the event's own (its user as resolved: an explicit anonymous null stays).
 */
export function rebuildPermissionAuditEvent(
  event: PermissionAuditEvent,
  changes: Partial<PermissionAuditEventInit>,
): PermissionAuditEvent {
  return createPermissionAuditEvent({
    id: permissionEventId(event),
    action: event.action,
    attributes: event.attributes,
    granted: event.granted,
    bypassed: event.bypassed,
    manager: event.manager,
    user: event.user,
    permissions: event.permissions,
    metadata: event.metadata as Record<string, unknown> | null,
    timestamp: event.timestamp,
    tenantId: event.tenantId ?? null,
    actorType: event.actorType ?? null,
    ...changes,
  });
}

/** Ids given to hand-built events without one: per event object, so a retried batch keeps them. */
const assignedIds = new WeakMap<object, string>();

/**
 * The id a sink stores a decision under: the event's own, or for an event built by hand without
 * one, a UUID v7 assigned on first use and kept for that object (its retries reuse it).
 */
export function permissionEventId(event: PermissionAuditEvent): string {
  const own = event.id;
  if (typeof own === 'string') return own;
  let id = assignedIds.get(event);
  if (id === undefined) {
    id = newEventId();
    assignedIds.set(event, id);
  }
  return id;
}

/** The actor type a sink stores: the event's own, else `user` with a user and `anonymous` without. */
export function permissionActorType(event: PermissionAuditEvent): ActorType {
  return event.actorType ?? (event.user === null ? 'anonymous' : 'user');
}

/** True when the event's metadata was masked (and made JSON) when it was emitted. */
export function isMetadataMasked(event: PermissionAuditEvent): boolean {
  return (event as { [METADATA_MASKED]?: unknown })[METADATA_MASKED] === true;
}

/** True for events built by createPermissionAuditEvent (validated, with their own copies). */
export function isPermissionAuditEvent(value: unknown): value is PermissionAuditEvent {
  return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
}

const EMPTY: readonly string[] = Object.freeze([]);

function stringList(value: readonly string[] | undefined, field: string): readonly string[] {
  if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) return EMPTY;
  if (!Array.isArray(value)) {
    throw new InvalidEventError(`PermissionAuditEvent.${field} must be an array of strings, got ${describe(value)}`);
  }
  for (const item of value) {
    if (typeof item !== 'string') {
      throw new InvalidEventError(`PermissionAuditEvent.${field} must contain only strings, got ${describe(item)}`);
    }
  }
  return value.slice();
}

/** Already `{ id: string | null, repr: string }` (what normalizeUser would make of it anyway). */
function isAuditUser(value: unknown): value is AuditUser {
  if (value === null || typeof value !== 'object') return false;
  const u = value as AuditUser;
  const flags = value as { isAnonymous?: unknown; is_anonymous?: unknown };
  return (
    typeof u.repr === 'string' &&
    (u.id === null || typeof u.id === 'string') &&
    flags.isAnonymous !== true &&
    flags.is_anonymous !== true
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return typeof value;
}
