import { type RequestSnapshot } from '@audit-events/core';
import { absoluteUrl, pathOf, rememberPeerAddress } from '@audit-events/core/internal';
import type { Socket } from 'node:net';
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
  readonly #socket: Socket | undefined;
  /** Whether the app trusts the peer as a proxy: asked once, for the URL and the IP alike. */
  #trustsPeer: boolean | undefined;

  constructor(req: Request, headers: Record<string, string | string[] | undefined>) {
    this.#req = req;
    this.method = req.method;
    this.headers = headers;
    this.#socket = req.socket ?? undefined;
    // Known even if an event is created after the connection closed. The URL is read when an
    // event needs it: Express sets originalUrl once, and on Node.js 20 and 22 each read of req
    // costs about 2,000 instructions (see the middleware).
    rememberPeerAddress(this.#socket);
  }

  /**
   * req.ip applies the app's `trust proxy` setting. Without an X-Forwarded-For header, or with an
   * untrusted peer, Express's answer is the peer itself: only a trusted proxy's header needs
   * Express (proxy-addr) to walk the chain. Reads of req are costly on Node.js 20 and 22 (see
   * the middleware), hence the short cut.
   */
  get ip(): string | undefined {
    if (this.headers['x-forwarded-for'] === undefined || !this.#trusted()) return this.#peer();
    return this.#req.ip;
  }

  /** As Express's req.protocol and (5's) req.host: X-Forwarded-Proto/-Host count only from a trusted proxy. */
  get url(): string {
    const trusted = this.#trusted();
    let protocol = (this.#socket as { encrypted?: unknown } | undefined)?.encrypted ? 'https' : 'http';
    let host = this.headers.host;
    if (trusted) {
      const forwardedProto = firstValue(this.headers['x-forwarded-proto']);
      if (forwardedProto) protocol = forwardedProto;
      const forwardedHost = this.headers['x-forwarded-host'];
      if (forwardedHost) host = forwardedHost;
    }
    return absoluteUrl(protocol, host, this.#originalUrl());
  }

  get path(): string {
    return pathOf(this.#originalUrl());
  }

  /**
   * Express's `trust proxy` applied to the peer, as for X-Forwarded-For: decides whether an incoming
   * request id is adopted.
   */
  get fromTrustedProxy(): boolean {
    return this.#trusted();
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

  #trusted(): boolean {
    if (this.#trustsPeer === undefined) {
      const trust: unknown = this.#req.app?.get('trust proxy fn');
      this.#trustsPeer = typeof trust === 'function' && trust(this.#peer(), 0) === true;
    }
    return this.#trustsPeer;
  }

  #peer(): string | undefined {
    return this.#socket?.remoteAddress;
  }

  /** The URL the request came with (Express keeps it when a router strips a mount path from req.url). */
  #originalUrl(): string {
    return this.#req.originalUrl || this.#req.url || '/';
  }
}

/** The first of a comma-separated header's values, trimmed (as Express reads X-Forwarded-Proto). */
function firstValue(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  const comma = value.indexOf(',');
  return (comma === -1 ? value : value.slice(0, comma)).trim();
}

export function readExpressRequest(req: Request): RequestSnapshot {
  return new ExpressRequestSnapshot(req, req.headers);
}
