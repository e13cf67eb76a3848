import { isEventId, type AuditEvent } from '@audit-events/core';
import {
  checkAction,
  checkActorType,
  checkOutcome,
  checkReason,
  checkTenantId,
  defaultActorType,
} from '@audit-events/core/internal';

/** Event JSON on the wire: the AuditEvent with `createdAt` as ISO 8601 text. */
export function encodeEvent(event: AuditEvent): Uint8Array {
  return Buffer.from(JSON.stringify({ ...event, createdAt: event.createdAt.toISOString() }), 'utf8');
}

export type DecodedEvent = { ok: true; event: AuditEvent } | { ok: false; reason: string };

const NULLABLE_STRINGS = ['userId', 'userRepr', 'url', 'method', 'ip', 'requestId', 'userAgent'] as const;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Parses one message back into an AuditEvent, or says why it cannot be one (the dead-letter
 * reason): the same checks the SQL store makes before a row joins a batch, so a message that
 * passes here does not fail a whole ingest batch.
 */
export function decodeEvent(data: Uint8Array): DecodedEvent {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  } catch (err) {
    return { ok: false, reason: `not valid JSON: ${(err as Error).message}` };
  }
  if (!isPlainObject(value)) return { ok: false, reason: 'schema: an event must be a JSON object' };
  if (!isEventId(value.id)) return { ok: false, reason: 'schema: id must be a lowercase UUID' };
  const createdAt = typeof value.createdAt === 'string' ? new Date(value.createdAt) : null;
  if (createdAt === null || Number.isNaN(createdAt.getTime()))
    return { ok: false, reason: 'schema: createdAt must be an ISO 8601 date' };
  if (typeof value.contentType !== 'string' || value.contentType.length === 0)
    return { ok: false, reason: 'schema: contentType must be a non-empty string' };
  if (typeof value.objectId !== 'string' || value.objectId.length === 0)
    return { ok: false, reason: 'schema: objectId must be a non-empty string' };
  if (!isPlainObject(value.content)) return { ok: false, reason: 'schema: content must be an object' };
  for (const field of NULLABLE_STRINGS) {
    const v = value[field];
    if (v !== undefined && v !== null && typeof v !== 'string')
      return { ok: false, reason: `schema: ${field} must be a string or null` };
  }
  if (value.queryParams != null && !isPlainObject(value.queryParams))
    return { ok: false, reason: 'schema: queryParams must be an object or null' };
  if (value.headers != null && !isPlainObject(value.headers))
    return { ok: false, reason: 'schema: headers must be an object or null' };
  if (value.extra !== undefined && !isPlainObject(value.extra))
    return { ok: false, reason: 'schema: extra must be an object' };
  const model = auditModelFields(value);
  if ('error' in model) return { ok: false, reason: model.error };
  const event: AuditEvent = {
    id: value.id,
    createdAt,
    contentType: value.contentType,
    objectId: value.objectId,
    content: value.content as AuditEvent['content'],
    userId: (value.userId as string | null | undefined) ?? null,
    userRepr: (value.userRepr as string | null | undefined) ?? null,
    ...model.fields,
    url: (value.url as string | null | undefined) ?? null,
    method: (value.method as string | null | undefined) ?? null,
    ip: (value.ip as string | null | undefined) ?? null,
    requestId: (value.requestId as string | null | undefined) ?? null,
    userAgent: (value.userAgent as string | null | undefined) ?? null,
    queryParams: (value.queryParams as AuditEvent['queryParams'] | undefined) ?? null,
    postData: (value.postData as AuditEvent['postData'] | undefined) ?? null,
    headers: (value.headers as AuditEvent['headers'] | undefined) ?? null,
  };
  if (value.extra !== undefined) event.extra = value.extra as Record<string, unknown>;
  return { ok: true, event };
}

type AuditModelFields = Pick<AuditEvent, 'tenantId' | 'actorType' | 'action' | 'outcome' | 'reason'>;

/**
 * The audit-model fields of a message: absent (an older producer) means the defaults every reader of
 * old data applies; present, each must be valid as when the event was built, or the message is a
 * poison message like any other schema failure.
 */
function auditModelFields(value: Record<string, unknown>): { fields: AuditModelFields } | { error: string } {
  try {
    const userId = typeof value.userId === 'string' ? value.userId : null;
    return {
      fields: {
        tenantId: checkTenantId(value.tenantId),
        actorType:
          value.actorType === undefined || value.actorType === null
            ? defaultActorType(userId)
            : checkActorType(value.actorType),
        action: checkAction(value.action),
        outcome: checkOutcome(value.outcome),
        reason: checkReason(value.reason),
      },
    };
  } catch (err) {
    return { error: `schema: ${(err as Error).message}` };
  }
}
