import {
  bindRequestBody,
  createRequestContext,
  resolveOptions,
  runWithAuditContext,
  type AuditContext,
  type AuditContextOptions,
} from '@audit-events/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
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
  return function auditContextMiddleware(req: Request, res: Response, next: NextFunction): void {
    let context: AuditContext;
    try {
      context = createRequestContext(readExpressRequest(req), resolved, req);
    } catch (err) {
      // e.g. an extraData function that throws: the app's error handler decides, not a crash.
      next(err);
      return;
    }
    req.auditContext = context;
    if (resolved.setRequestIdHeader && context.requestId !== null && !res.headersSent) {
      res.setHeader(resolved.requestIdHeader, context.requestId);
    }
    // A body's 'data'/'end' events fire from the socket's async context; binding the request's
    // listeners keeps body parsers and everything after them in this request's context.
    bindRequestBody(req);
    runWithAuditContext(context, next);
  };
}
