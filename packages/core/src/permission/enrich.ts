import type { AuditContext } from '../context/audit-context.js';
import type { AuditUser } from '../events/types.js';
import { createPermissionAuditEvent, type PermissionAuditEvent } from './event.js';

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
 * Ties a decision to the request it came from: `request_id`, `url`, `method` and `ip` of the
 * audit context go into metadata (keys the caller set explicitly win), and the context's user is
 * used when the event names none. Returns `event` itself when there is nothing to add.
 */
export function enrichFromContext(event: PermissionAuditEvent, context: AuditContext): PermissionAuditEvent {
  const added: Record<string, unknown> = {};
  let count = 0;
  if (context.requestId !== null) {
    added['request_id'] = context.requestId;
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
  let user: AuditUser | null = event.user;
  if (user === null && !explicitUser.has(event)) user = contextUser(context);
  if (count === 0 && user === event.user) return event;
  return createPermissionAuditEvent({
    action: event.action,
    attributes: event.attributes,
    granted: event.granted,
    bypassed: event.bypassed,
    manager: event.manager,
    user,
    permissions: event.permissions,
    // Spread defines own properties, so a `__proto__` key in either stays data.
    metadata: count === 0 ? event.metadata : { ...added, ...(event.metadata ?? {}) },
    timestamp: event.timestamp,
  });
}

function contextUser(context: AuditContext): AuditUser | null {
  try {
    return context.user;
  } catch {
    // The user is read lazily through the app's own getter; a broken getter must not cost the event.
    return null;
  }
}
