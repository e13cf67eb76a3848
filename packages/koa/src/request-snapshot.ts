import { absoluteUrl, pathOf, type RequestSnapshot } from '@audit-events/core';
import type { Context } from 'koa';

/**
 * Reads a Koa context (2 or 3) into core's plain shape. ctx.ip, ctx.protocol and ctx.host apply
 * `app.proxy`: X-Forwarded-* headers count only when the app trusts its proxy. Body, query and
 * user are read through functions, when an event is created, so @koa/bodyparser and auth
 * middleware may run after the audit middleware.
 */
export function readKoaRequest(ctx: Context): RequestSnapshot {
  const originalUrl = ctx.originalUrl || ctx.url || '/';
  return {
    method: ctx.method,
    // Getters: URL and path are only worked out when an event needs them.
    // Not ctx.origin: Koa 3 changed it to the Origin request header.
    get url() {
      return absoluteUrl(ctx.protocol, ctx.host, originalUrl);
    },
    get path() {
      return pathOf(originalUrl);
    },
    ip: ctx.ip,
    headers: ctx.req.headers,
    query: () => ctx.query,
    body: () => (ctx.request as { body?: unknown }).body,
    user: () => (ctx.state as { user?: unknown } | undefined)?.user,
  };
}
