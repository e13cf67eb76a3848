import { InvalidEventError } from '../errors.js';
import { checkActorType, checkTenantId } from '../events/audit-model.js';
import { isEventId } from '../events/ids.js';
import { PERMISSION_ACTIONS, type PermissionAuditEvent } from '../permission/event.js';

/**
 * Checks, when an event joins a batch, that every field a sink reads is there with its type, and
 * that its metadata can be read: loggers also take events built by hand (a plain object passed to
 * record()), and one missing `timestamp` or throwing getter would otherwise fail the whole batch
 * at write time. Throws InvalidEventError naming the field; a getter's own error is its cause.
 */
export function checkEventFields(event: PermissionAuditEvent): void {
  if (event === null || typeof event !== 'object')
    throw new InvalidEventError(
      `a permission audit event must be an object, got ${event === null ? 'null' : typeof event}`,
    );
  try {
    checkFields(event);
  } catch (err) {
    if (err instanceof InvalidEventError) throw err;
    throw new InvalidEventError(
      `a field of the permission audit event cannot be read: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
}

function checkFields(event: PermissionAuditEvent): void {
  // Stored in a unique column and used as a message id: a hand-built event may leave it out.
  if (event.id !== undefined && !isEventId(event.id)) fail('id', 'a lowercase UUID or undefined');
  if (event.tenantId !== undefined) checkTenantId(event.tenantId, 'PermissionAuditEvent.tenantId');
  if (event.actorType !== undefined && event.actorType !== null)
    checkActorType(event.actorType, 'PermissionAuditEvent.actorType');
  if (!PERMISSION_ACTIONS.includes(event.action)) fail('action', 'one of create, read, update, delete, mutation');
  if (typeof event.granted !== 'boolean') fail('granted', 'a boolean');
  if (typeof event.bypassed !== 'boolean') fail('bypassed', 'a boolean');
  const timestamp = event.timestamp;
  if (!(timestamp instanceof Date) || Number.isNaN(timestamp.getTime())) fail('timestamp', 'a valid Date');
  if (event.manager !== null && typeof event.manager !== 'string') fail('manager', 'a string or null');
  strings(event.attributes, 'attributes');
  strings(event.permissions, 'permissions');
  const user = event.user;
  if (user !== null) {
    if (
      typeof user !== 'object' ||
      typeof user.repr !== 'string' ||
      (user.id !== null && typeof user.id !== 'string')
    ) {
      fail('user', 'null or { id: string | null, repr: string }');
    }
  }
  const metadata = event.metadata;
  if (metadata !== null) {
    if (typeof metadata !== 'object' || Array.isArray(metadata)) fail('metadata', 'a plain object or null');
    // Reads each top-level value once: a getter that throws is found here, not inside a batch write.
    for (const key of Object.keys(metadata)) void (metadata as Record<string, unknown>)[key];
  }
}

function strings(value: unknown, field: string): void {
  if (!Array.isArray(value)) fail(field, 'an array of strings');
  for (const item of value as unknown[]) if (typeof item !== 'string') fail(field, 'an array of strings');
}

function fail(field: string, expected: string): never {
  throw new InvalidEventError(`PermissionAuditEvent.${field} must be ${expected}`);
}
