import { resolveRouterOptions, respondToListing, type EventsRouterOptions } from '@audit-events/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Read-only JSON listing of stored events: `GET <mount>?contentType=&objectId=&userId=&requestId=
 * &since=&until=&limit=&cursor=` → `{ events, nextCursor }`. Mount it with
 * `app.use('/audit-events', auditEventsRouter({ store, authorize }))` (or `app.get(path, …)`).
 * `authorize(req)` is required and must resolve to `true`; otherwise 403. Bad filters → 400,
 * other methods → 405. A plain handler rather than an express.Router, so it works the same in an
 * Express 4 and an Express 5 app whichever express this package would resolve.
 */
export function auditEventsRouter(options: EventsRouterOptions<Request>): RequestHandler {
  const resolved = resolveRouterOptions(options);
  return function auditEventsRouterHandler(req: Request, res: Response, next: NextFunction): void {
    // Mounted with app.use(): answer only the mount point itself; sub-paths are someone else's.
    if (req.route === undefined && req.path !== '/') {
      next();
      return;
    }
    respondToListing(resolved, req, req.method, (req.query ?? {}) as Record<string, unknown>).then(
      (response) => {
        res.status(response.status);
        for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
        res.json(response.body);
      },
      next,
    );
  };
}
