import { absoluteUrl, pathOf, type RequestSnapshot } from '@audit-events/core';
import type { Request } from 'express';

/**
 * Reads an Express request (4 or 5) into core's plain shape. Everything a later middleware may
 * still set — body (body parsers), query, user (auth) — is read through a function, when an event
 * is created, so the audit middleware can be registered first.
 */
export function readExpressRequest(req: Request): RequestSnapshot {
  const originalUrl = req.originalUrl || req.url || '/';
  return {
    method: req.method,
    // Getters: URL and path are only worked out when an event needs them.
    get url() {
      return absoluteUrl(req.protocol, requestHost(req), originalUrl);
    },
    get path() {
      return pathOf(originalUrl);
    },
    // req.ip applies the app's `trust proxy` setting: X-Forwarded-For counts only when trusted.
    ip: req.ip,
    headers: req.headers,
    query: () => req.query,
    body: () => (req as { body?: unknown }).body,
    user: () => (req as { user?: unknown }).user,
  };
}

/**
 * The host the client asked for. X-Forwarded-Host only under a trusted proxy, exactly as Express
 * 5's req.host; written here because Express 4's req.host drops the port (and is deprecated).
 */
function requestHost(req: Request): string | undefined {
  const trust: unknown = req.app?.get('trust proxy fn');
  if (typeof trust === 'function' && trust(req.socket?.remoteAddress, 0) === true) {
    const forwarded = req.get('x-forwarded-host');
    if (forwarded) return forwarded;
  }
  return req.get('host');
}
