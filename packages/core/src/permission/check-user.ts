import { currentAuditContext } from '../context/current.js';

/** Options every check accepts. */
export interface CheckOptions {
  /**
   * Who is asking. When absent, the current audit context's user is used (set by the Express/Koa
   * middleware). That one is `{ id, repr }` only, so rules that need roles (isAdmin, superuser)
   * need the app's user object passed here, e.g. `{ user: req.user }`. `null` means anonymous.
   */
  user?: unknown;
  /** Added to every event's metadata (request_id/url/method/ip come from the audit context). */
  metadata?: Record<string, unknown>;
}

/** checkCreate's options: with `basedOn`, the parent object comes from the app, never the payload. */
export interface CreateCheckOptions extends CheckOptions {
  /** The parent the new object will belong to, loaded from storage; null when it has none. */
  parent?: unknown;
}

export function resolveCheckUser(options: CheckOptions | undefined): unknown {
  if (options !== undefined && options !== null && 'user' in options) return options.user;
  const context = currentAuditContext();
  if (context === undefined) return null;
  try {
    return context.user;
  } catch {
    return null;
  }
}

/** general_manager's superuser test: `isSuperuser` / `is_superuser` strictly true. */
export function defaultIsSuperuser(user: unknown): boolean {
  if (user === null || typeof user !== 'object') return false;
  const u = user as Record<string, unknown>;
  return u['isSuperuser'] === true || u['is_superuser'] === true;
}
