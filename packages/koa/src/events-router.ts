import { ConfigurationError, type EventsRouterOptions } from '@audit-events/core';
import { resolveRouterOptions, respondToEvent, respondToListing } from '@audit-events/core/internal';
import type { Context, Middleware, Next } from 'koa';

/** The options of the Koa `auditEventsRouter` (the Express package's counterpart: ExpressEventsRouterOptions). */
export interface KoaEventsRouterOptions extends EventsRouterOptions<Context> {
  /**
   * Path the API answers on (exactly, trailing slash allowed, and one segment below it for
   * `/:id`); other paths pass through. Default `/audit-events`. Koa has no mounting of its own.
   */
  path?: string;
}

function decoded(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null; // malformed percent-encoding: no event has that id
  }
}

/**
 * Read-only JSON API over stored events, inside each request's scope:
 * `GET /audit-events?contentType=&objectId=&userId=&requestId=&tenantId=&action=&outcome=
 * &actorType=&since=&until=&limit=&cursor=` → `{ events, nextCursor }` and `GET /audit-events/:id`
 * → one event (404 when missing or outside the scope). `authorize(ctx)` must resolve to `true`
 * (otherwise 403); a throwing or invalid `scope(ctx)` is thrown to the app's error handling.
 */
export function auditEventsRouter(options: KoaEventsRouterOptions): Middleware {
  const resolved = resolveRouterOptions(options, ['path']);
  const path = options.path ?? '/audit-events';
  if (typeof path !== 'string' || !/^\/[^?#\s]*$/.test(path)) {
    throw new ConfigurationError('path', 'must be a path starting with /');
  }
  const base = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  const prefix = base === '/' ? '/' : `${base}/`;
  return async function auditEventsRouterMiddleware(ctx: Context, next: Next): Promise<void> {
    const query = ctx.query as Record<string, unknown>;
    let response;
    if (ctx.path === base || ctx.path === prefix) {
      response = await respondToListing(resolved, ctx, ctx.method, query);
    } else {
      const rest = ctx.path.startsWith(prefix) ? ctx.path.slice(prefix.length) : null;
      const segment = rest === null ? null : /^([^/]+)\/?$/.exec(rest);
      // Deeper sub-paths and other paths are someone else's.
      if (segment === null) {
        await next();
        return;
      }
      response = await respondToEvent(resolved, ctx, ctx.method, decoded(segment[1]!) ?? '', query);
    }
    ctx.status = response.status;
    ctx.set(response.headers);
    ctx.body = response.body;
  };
}
