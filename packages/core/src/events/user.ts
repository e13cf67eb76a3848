import type { AuditUser } from './types.js';

const REPR_KEYS = ['username', 'email', 'name', 'displayName', 'login'] as const;

/**
 * Normalises what an app calls "the user" (passport's req.user, ctx.state.user, a string id, an
 * explicit { id, repr }) into an AuditUser. Missing or anonymous users become null, as in Django.
 */
export function normalizeUser(user: unknown): AuditUser | null {
  if (user === null || user === undefined || user === false) return null;
  if (typeof user === 'string' || typeof user === 'number' || typeof user === 'bigint') {
    const id = String(user);
    return id.length === 0 ? null : { id, repr: id };
  }
  if (typeof user !== 'object') return null;
  const u = user as Record<string, unknown>;
  if (u['isAnonymous'] === true || u['is_anonymous'] === true) return null;
  const rawId = u['id'] ?? u['_id'] ?? u['pk'];
  const id =
    typeof rawId === 'string' || typeof rawId === 'number' || typeof rawId === 'bigint'
      ? String(rawId)
      : rawId && typeof rawId === 'object' && typeof (rawId as object).toString === 'function'
        ? String(rawId)
        : null;
  let repr: string | null = typeof u['repr'] === 'string' ? (u['repr'] as string) : null;
  for (const key of REPR_KEYS) {
    if (repr !== null) break;
    const v = u[key];
    if (typeof v === 'string' && v.length > 0) repr = v;
  }
  if (id === null && repr === null) return null;
  return { id, repr: repr ?? (id as string) };
}
