import { type RequestSnapshot } from '@audit-events/core';
import { absoluteUrl, pathOf, rememberPeerAddress } from '@audit-events/core/internal';
import type { Context } from 'koa';

/**
 * A Koa context (2 or 3) read into core's plain shape. ctx.ip, ctx.protocol and ctx.host apply
 * `app.proxy`: X-Forwarded-* headers count only when the app trusts its proxy. URL, path, body,
 * query and user are read on demand, when an event is created, so @koa/bodyparser and auth
 * middleware may run after the audit middleware. A class, not an object literal with getters and
 * closures: one small allocation per request on the hot path.
 */
class KoaRequestSnapshot implements RequestSnapshot {
  readonly method: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly #ctx: Context;
  readonly #originalUrl: string;

  constructor(ctx: Context) {
    this.#ctx = ctx;
    this.#originalUrl = ctx.originalUrl || ctx.url || '/';
    this.method = ctx.method;
    this.headers = ctx.req.headers;
    // Known even if an event is created after the connection closed (see rememberPeerAddress).
    rememberPeerAddress(ctx.req.socket);
  }

  /** ctx.ip applies the app's `proxy` setting: X-Forwarded-For counts only when trusted. */
  get ip(): string {
    return this.#ctx.ip;
  }

  get url(): string {
    // Not ctx.origin: Koa 3 changed it to the Origin request header.
    return absoluteUrl(this.#ctx.protocol, this.#ctx.host, this.#originalUrl);
  }

  get path(): string {
    return pathOf(this.#originalUrl);
  }

  /** Koa's `app.proxy`, the setting X-Forwarded-For follows: decides whether an incoming request id is adopted. */
  get fromTrustedProxy(): boolean {
    return this.#ctx.app.proxy === true;
  }

  query(): unknown {
    return this.#ctx.query;
  }

  body(): unknown {
    return (this.#ctx.request as { body?: unknown }).body;
  }

  user(): unknown {
    return (this.#ctx.state as { user?: unknown } | undefined)?.user;
  }
}

export function readKoaRequest(ctx: Context): RequestSnapshot {
  return new KoaRequestSnapshot(ctx);
}
