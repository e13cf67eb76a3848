import { type EventsRouterOptions, type ListingResponse } from '@audit-events/core';
import { resolveRouterOptions, respondToEvent, respondToListing } from '@audit-events/core/internal';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** The options of the Express `auditEventsRouter` (the Koa package's counterpart: KoaEventsRouterOptions). */
export type ExpressEventsRouterOptions = EventsRouterOptions<Request>;

/** `/<one segment>[/]` below the mount point: the id of `GET <mount>/:id`, still percent-encoded. */
const ONE_SEGMENT = /^\/([^/]+)\/?$/;

function decoded(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null; // malformed percent-encoding: no event has that id
  }
}

/**
 * Read-only JSON API over stored events, inside each request's scope:
 * `GET <mount>?contentType=&objectId=&userId=&requestId=&tenantId=&action=&outcome=&actorType=
 * &since=&until=&limit=&cursor=` → `{ events, nextCursor }` and `GET <mount>/:id` → one event (404
 * when missing or outside the scope). Mount it with
 * `app.use('/audit-events', auditEventsRouter({ store, authorize, scope }))`, or with
 * `app.get(path, …)` and `app.get(`${path}/:id`, …)`. `authorize(req)` must resolve to `true`
 * (otherwise 403); a throwing or invalid `scope(req)` goes to `next(err)`. A plain handler rather
 * than an express.Router, so it works the same in an Express 4 and an Express 5 app.
 */
export function auditEventsRouter(options: ExpressEventsRouterOptions): RequestHandler {
  const resolved = resolveRouterOptions(options);
  return function auditEventsRouterHandler(req: Request, res: Response, next: NextFunction): void {
    const query = (req.query ?? {}) as Record<string, unknown>;
    let answer: Promise<ListingResponse>;
    if (req.route !== undefined) {
      // Routed with app.get(): the route's `:id` parameter (already decoded by Express), if it has one.
      const id: unknown = (req.params as Record<string, unknown> | undefined)?.['id'];
      answer =
        typeof id === 'string'
          ? respondToEvent(resolved, req, req.method, id, query)
          : respondToListing(resolved, req, req.method, query);
    } else if (req.path === '/') {
      answer = respondToListing(resolved, req, req.method, query);
    } else {
      const segment = ONE_SEGMENT.exec(req.path);
      // Mounted with app.use(): deeper sub-paths are someone else's.
      if (segment === null) {
        next();
        return;
      }
      answer = respondToEvent(resolved, req, req.method, decoded(segment[1]!) ?? '', query);
    }
    answer.then((response) => {
      res.status(response.status);
      for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
      res.json(response.body);
    }, next);
  };
}
