import {
  createPermissionAuditEvent,
  isEventId,
  PERMISSION_ACTIONS,
  type PermissionAuditEvent,
  type PermissionAuditEventInit,
} from '@audit-events/core';

export type DecodedDecision = { ok: true; event: PermissionAuditEvent; id: string } | { ok: false; reason: string };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Parses one JetStreamAuditLogger message (serializeEvent JSON plus `event_id`) back into a
 * PermissionAuditEvent carrying that id, or says why it cannot be one (the dead-letter reason).
 * Every field is checked as an attacker could send it; the event is then rebuilt through
 * createPermissionAuditEvent, which applies the same checks a decision made in the app gets.
 */
export function decodeDecision(data: Uint8Array): DecodedDecision {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  } catch (err) {
    return { ok: false, reason: `not valid JSON: ${(err as Error).message}` };
  }
  if (!isPlainObject(value)) return { ok: false, reason: 'schema: a decision must be a JSON object' };
  const id = value.event_id;
  if (!isEventId(id)) return { ok: false, reason: 'schema: event_id must be a lowercase UUID' };
  if (typeof value.timestamp !== 'string' || !ISO_WITH_OFFSET.test(value.timestamp))
    return { ok: false, reason: 'schema: timestamp must be an ISO 8601 date with an offset' };
  const timestamp = new Date(value.timestamp);
  if (Number.isNaN(timestamp.getTime()))
    return { ok: false, reason: 'schema: timestamp must be an ISO 8601 date with an offset' };
  if (typeof value.action !== 'string' || !(PERMISSION_ACTIONS as readonly string[]).includes(value.action)) {
    return { ok: false, reason: `schema: action must be one of ${PERMISSION_ACTIONS.join(', ')}` };
  }
  for (const field of ['granted', 'bypassed'] as const) {
    if (typeof value[field] !== 'boolean') return { ok: false, reason: `schema: ${field} must be a boolean` };
  }
  for (const field of ['attributes', 'permissions'] as const) {
    const list = value[field];
    if (!Array.isArray(list) || !list.every((v) => typeof v === 'string'))
      return { ok: false, reason: `schema: ${field} must be a list of strings` };
  }
  for (const field of ['manager', 'user_id', 'user_repr', 'tenant_id', 'actor_type'] as const) {
    const v = value[field];
    if (v !== null && v !== undefined && typeof v !== 'string')
      return { ok: false, reason: `schema: ${field} must be a string or null` };
  }
  if (value.metadata != null && !isPlainObject(value.metadata))
    return { ok: false, reason: 'schema: metadata must be an object or null' };
  const userId = (value.user_id as string | null | undefined) ?? null;
  const userRepr = (value.user_repr as string | null | undefined) ?? null;
  const init: PermissionAuditEventInit = {
    id,
    action: value.action as PermissionAuditEventInit['action'],
    attributes: value.attributes as string[],
    granted: value.granted as boolean,
    bypassed: value.bypassed as boolean,
    manager: (value.manager as string | null | undefined) ?? null,
    // The user as serialised: its id and string form (an id-less user keeps its string form).
    user: userId === null && userRepr === null ? null : { id: userId, repr: userRepr ?? (userId as string) },
    // Checked by createPermissionAuditEvent (the model's tenant id and actor type rules).
    tenantId: (value.tenant_id as string | null | undefined) ?? null,
    actorType: (value.actor_type as PermissionAuditEventInit['actorType'] | undefined) ?? null,
    permissions: value.permissions as string[],
    metadata: (value.metadata as Record<string, unknown> | null | undefined) ?? null,
    timestamp,
  };
  try {
    return { ok: true, event: createPermissionAuditEvent(init), id };
  } catch (err) {
    return { ok: false, reason: `schema: ${(err as Error).message}` };
  }
}
