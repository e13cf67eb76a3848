import { absoluteUrl, pathOf, type RequestSnapshot } from '@audit-events/core';
import type { Request } from 'express';

/**
 * An Express request (4 or 5) read into core's plain shape. Everything a later middleware may
 * still set — body (body parsers), query, user (auth) — and the URL are read on demand, when an
 * event is created, so the audit middleware can be registered first. A class, not an object
 * literal with getters and closures: one small allocation per request on the hot path.
 */
class ExpressRequestSnapshot implements RequestSnapshot {
  readonly method: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly #req: Request;
  readonly #originalUrl: string;

  constructor(req: Request) {
    this.#req = req;
    this.#originalUrl = req.originalUrl || req.url || '/';
    this.method = req.method;
    this.headers = req.headers;
    // The peer address is worked out (proxy-addr parses X-Forwarded-For) only when an event needs
    // it; reading it now makes the socket cache it, so it is still there after the socket closes.
    void req.socket?.remoteAddress;
  }

  /** req.ip applies the app's `trust proxy` setting: X-Forwarded-For counts only when trusted. */
  get ip(): string | undefined {
    return this.#req.ip;
  }

  get url(): string {
    return absoluteUrl(this.#req.protocol, requestHost(this.#req), this.#originalUrl);
  }

  get path(): string {
    return pathOf(this.#originalUrl);
  }

  query(): unknown {
    return this.#req.query;
  }

  body(): unknown {
    return (this.#req as { body?: unknown }).body;
  }

  user(): unknown {
    return (this.#req as { user?: unknown }).user;
  }
}

export function readExpressRequest(req: Request): RequestSnapshot {
  return new ExpressRequestSnapshot(req);
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
