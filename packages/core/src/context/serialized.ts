import { toJsonSafe } from '../events/json-safe.js';
import { ACTOR_TYPES, MAX_ACTOR_FIELD_LENGTH, MAX_TENANT_ID_LENGTH, type AuditActor } from '../events/audit-model.js';
import type { AuditUser, JsonObject, JsonValue } from '../events/types.js';

/** The JSON form of a context, for carrying it into a background job (a queue payload). */
export interface SerializedAuditContext {
  requestId: string | null;
  /** Absent in payloads from before it existed. */
  clientRequestId?: string | null;
  method: string | null;
  url: string | null;
  path: string | null;
  ip: string | null;
  userAgent: string | null;
  user: AuditUser | null;
  queryParams: JsonObject | null;
  postData: JsonValue | null;
  headers: Record<string, string> | null;
  extraData: JsonObject;
  /** Present when the context has a tenant (absent in payloads from before it existed). */
  tenantId?: string | null;
  /** Present when an actor was given (getActor, init `actor`); without one the user is the actor. */
  actor?: AuditActor | null;
}

const STRING_FIELDS = ['requestId', 'clientRequestId', 'method', 'url', 'path', 'ip', 'userAgent'] as const;

/**
 * Reads a queue payload back into the fields of a context. A payload is data from outside the
 * process (a queue, a file), so every field is type-checked: a wrong type is a TypeError naming
 * the field rather than a context that later stores garbage. Missing fields become null.
 */
export function parseSerializedContext(json: unknown): SerializedAuditContext {
  let data: unknown = json;
  if (typeof json === 'string') {
    try {
      data = JSON.parse(json);
    } catch (err) {
      throw new TypeError('AuditContext.fromJSON: the string is not valid JSON', { cause: err });
    }
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new TypeError('AuditContext.fromJSON expects an object or a JSON string');
  }
  const record = data as Record<string, unknown>;
  const out = {} as SerializedAuditContext;
  for (const field of STRING_FIELDS) {
    const value = record[field] ?? null;
    if (value !== null && typeof value !== 'string') {
      throw new TypeError(`AuditContext.fromJSON: ${field} must be a string or null`);
    }
    out[field] = value;
  }
  out.user = parseUser(record['user']);
  out.queryParams = objectOrNull(record['queryParams'], 'queryParams') as JsonObject | null;
  out.postData = record['postData'] === undefined ? null : toJsonSafe(record['postData'], 'postData');
  out.headers = parseHeaders(record['headers']);
  out.extraData = (objectOrNull(record['extraData'], 'extraData') ?? {}) as JsonObject;
  const tenantId = record['tenantId'] ?? null;
  if (
    tenantId !== null &&
    (typeof tenantId !== 'string' || tenantId.length === 0 || tenantId.length > MAX_TENANT_ID_LENGTH)
  ) {
    throw new TypeError(
      `AuditContext.fromJSON: tenantId must be a string of 1 to ${MAX_TENANT_ID_LENGTH} characters or null`,
    );
  }
  if (tenantId !== null) out.tenantId = tenantId;
  const actor = parseActor(record['actor']);
  if (actor !== null) out.actor = actor;
  return out;
}

function parseUser(value: unknown): AuditUser | null {
  if (value === null || value === undefined) return null;
  const user = value as Record<string, unknown>;
  const id = user['id'] ?? null;
  if (typeof value !== 'object' || typeof user['repr'] !== 'string' || (id !== null && typeof id !== 'string')) {
    throw new TypeError('AuditContext.fromJSON: user must be { id: string | null, repr: string } or null');
  }
  return { id, repr: user['repr'] };
}

const ACTOR_TYPE_SET: ReadonlySet<unknown> = new Set(ACTOR_TYPES);

function actorField(value: unknown): value is string | null {
  return value === null || (typeof value === 'string' && value.length > 0 && value.length <= MAX_ACTOR_FIELD_LENGTH);
}

function parseActor(value: unknown): AuditActor | null {
  if (value === null || value === undefined) return null;
  const actor = value as Record<string, unknown>;
  const id = actor['id'] ?? null;
  const repr = actor['repr'] ?? null;
  if (
    typeof value !== 'object' ||
    Array.isArray(value) ||
    !ACTOR_TYPE_SET.has(actor['type']) ||
    !actorField(id) ||
    !actorField(repr)
  ) {
    throw new TypeError(
      `AuditContext.fromJSON: actor must be { type: ${ACTOR_TYPES.join(' | ')}, id: string | null, repr: string | null } or null`,
    );
  }
  return { type: actor['type'] as AuditActor['type'], id, repr };
}

function objectOrNull(value: unknown, field: string): JsonObject | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`AuditContext.fromJSON: ${field} must be an object or null`);
  }
  return toJsonSafe(value, field) as JsonObject;
}

function parseHeaders(value: unknown): Record<string, string> | null {
  const headers = objectOrNull(value, 'headers');
  if (headers === null) return null;
  for (const [name, v] of Object.entries(headers)) {
    if (typeof v !== 'string') throw new TypeError(`AuditContext.fromJSON: header ${name} must be a string`);
  }
  return headers as Record<string, string>;
}
