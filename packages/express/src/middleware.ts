import { runWithAuditContext, type AuditContext, type AuditContextOptions } from '@audit-events/core';
import {
  bindRequestBody,
  createRequestContext,
  resolveOptions,
  setHeaderUnlessSent,
} from '@audit-events/core/internal';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { attachContext } from './context-slot.js';
import { readExpressRequest } from './request-snapshot.js';
import './request-type.js';

/**
 * The audit middleware: gives every request an AuditContext (`req.auditContext`, and
 * getAuditContext() anywhere in the request's async call chain). Register it early; body parsers
 * and auth registered after it still feed postData and the user, which are read lazily.
 * Options are checked here, once: a typo throws a ConfigurationError at start-up.
 */
export function auditContext(options: AuditContextOptions<Request> = {}): RequestHandler {
  const resolved = resolveOptions(options);
  const echoHeader = resolved.setRequestIdHeader ? resolved.requestIdHeader : null;
  // On Node.js 20 and 22 every property access on an Express req or res is slow (Express's
  // per-request Object.setPrototypeOf leaves each request with a hidden class of its own in those
  // V8 versions): each one here is made once, and none is added (see context-slot.ts).
  return function auditContextMiddleware(req: Request, res: Response, next: NextFunction): void {
    const snapshot = readExpressRequest(req);
    let context: AuditContext;
    try {
      context = createRequestContext(snapshot, resolved, req);
    } catch (err) {
      // e.g. an extraData function that throws: the app's error handler decides, not a crash.
      next(err);
      return;
    }
    attachContext(req, snapshot.headers, context);
    if (echoHeader !== null && context.requestId !== null) setHeaderUnlessSent(res, echoHeader, context.requestId);
    // A body's 'data'/'end' events fire from the socket's async context; binding the request's
    // listeners keeps body parsers and everything after them in this request's context.
    bindRequestBody(req, snapshot.headers);
    runWithAuditContext(context, next);
  };
}
