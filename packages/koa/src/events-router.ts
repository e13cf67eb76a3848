import { ConfigurationError, resolveRouterOptions, respondToListing, type EventsRouterOptions } from '@audit-events/core';
import type { Context, Middleware, Next } from 'koa';

export interface KoaEventsRouterOptions extends EventsRouterOptions<Context> {
  /**
   * Path the listing answers on (exactly, trailing slash allowed); other paths pass through.
   * Default `/audit-events`. Koa has no mounting of its own, hence this option.
   */
  path?: string;
}

/**
 * Read-only JSON listing of stored events: `GET /audit-events?contentType=&objectId=&userId=
 * &requestId=&since=&until=&limit=&cursor=` → `{ events, nextCursor }`.
 * `authorize(ctx)` is required and must resolve to `true`; otherwise 403. Bad filters → 400,
 * other methods → 405.
 */
export function auditEventsRouter(options: KoaEventsRouterOptions): Middleware {
  const resolved = resolveRouterOptions(options, ['path']);
  const path = options.path ?? '/audit-events';
  if (typeof path !== 'string' || !/^\/[^?#\s]*$/.test(path)) {
    throw new ConfigurationError('path', 'must be a path starting with /');
  }
  const base = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  return async function auditEventsRouterMiddleware(ctx: Context, next: Next): Promise<void> {
    if (ctx.path !== base && ctx.path !== `${base}/`) {
      await next();
      return;
    }
    const response = await respondToListing(resolved, ctx, ctx.method, ctx.query as Record<string, unknown>);
    ctx.status = response.status;
    ctx.set(response.headers);
    ctx.body = response.body;
  };
}
