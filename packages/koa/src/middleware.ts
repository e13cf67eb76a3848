import { runWithAuditContext, type AuditContext, type AuditContextOptions } from '@audit-events/core';
import {
  bindRequestBody,
  createRequestContext,
  resolveOptions,
  setHeaderUnlessSent,
} from '@audit-events/core/internal';
import type { ServerResponse } from 'node:http';
import type { Context, Middleware, Next } from 'koa';
import { readKoaRequest } from './request-snapshot.js';
import './context-type.js';

/**
 * The audit middleware: gives every request an AuditContext (`ctx.auditContext`,
 * `ctx.state.auditContext`, and getAuditContext() anywhere downstream). Register it first; body
 * parsers and auth after it still feed postData and the user, which are read lazily.
 * Options are checked here, once: a typo throws a ConfigurationError at start-up.
 */
export function auditContext(options: AuditContextOptions<Context> = {}): Middleware {
  const resolved = resolveOptions(options);
  const echoHeader = resolved.setRequestIdHeader ? resolved.requestIdHeader : null;
  return function auditContextMiddleware(ctx: Context, next: Next): Promise<unknown> {
    const snapshot = readKoaRequest(ctx);
    let context: AuditContext;
    try {
      context = createRequestContext(snapshot, resolved, ctx);
    } catch (err) {
      return Promise.reject(err); // e.g. a throwing extraData function: Koa's error handling answers
    }
    ctx.auditContext = context;
    ctx.state.auditContext = context;
    if (
      echoHeader !== null &&
      context.requestId !== null &&
      setHeaderUnlessSent(ctx.res, echoHeader, context.requestId)
    ) {
      keepRequestIdOnErrors(ctx.app, echoHeader);
    }
    bindRequestBody(ctx.req, snapshot.headers);
    return runWithAuditContext(context, next);
  };
}

const patchedApps = new WeakSet<object>();

/**
 * Koa's error handler removes every header set before the error, the request id too, exactly
 * when a client most needs it. The app's ctx.onerror is wrapped once per app (not a catch handler
 * per request: an extra promise on every request); on the error path it arranges for the id to be
 * put back when Koa writes its error response. The thrown value is never touched: Koa's own
 * `err.headers` mechanism would mean adding a property to the app's error, which its error
 * listeners (and Koa's "non-error thrown: {…}" text) would then see. The first audit middleware
 * of an app decides the header name.
 */
function keepRequestIdOnErrors(app: Context['app'], name: string): void {
  if (patchedApps.has(app)) return;
  patchedApps.add(app);
  const proto = app.context as { onerror(this: Context, err: unknown): void };
  const onerror = proto.onerror;
  proto.onerror = function auditOnError(this: Context, err: unknown): void {
    const requestId = (this as { auditContext?: AuditContext }).auditContext?.requestId;
    if (requestId && err !== null && err !== undefined) restoreHeaderOnWrite(this.res, name, requestId);
    return onerror.call(this, err);
  };
}

/**
 * Re-sets `name` just before this response's head is written, unless the app's error response
 * set it itself (its `err.headers` win). A one-shot wrapper of this response's writeHead, which
 * `res.end()` goes through, installed only on the error path.
 */
function restoreHeaderOnWrite(res: ServerResponse, name: string, value: string): void {
  if (res.headersSent) return;
  const writeHead = res.writeHead;
  const hadOwn = Object.prototype.hasOwnProperty.call(res, 'writeHead');
  const patched = function (this: ServerResponse, ...args: unknown[]): ServerResponse {
    if (res.writeHead === patched) {
      if (hadOwn) res.writeHead = writeHead;
      else delete (res as { writeHead?: unknown }).writeHead; // back to the prototype's, as before
    }
    if (!this.headersSent && !this.hasHeader(name)) this.setHeader(name, value);
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['writeHead'];
  res.writeHead = patched;
}
