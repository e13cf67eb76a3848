import {
  bindRequestBody,
  createRequestContext,
  resolveOptions,
  runWithAuditContext,
  setHeaderUnlessSent,
  type AuditContext,
  type AuditContextOptions,
} from '@audit-events/core';
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
    if (echoHeader !== null && context.requestId !== null && setHeaderUnlessSent(ctx.res, echoHeader, context.requestId)) {
      keepRequestIdOnErrors(ctx.app, echoHeader);
    }
    bindRequestBody(ctx.req, snapshot.headers);
    return runWithAuditContext(context, next);
  };
}

const patchedApps = new WeakSet<object>();

/**
 * Koa's error handler removes every header set before the error, the request id too, exactly
 * when a client most needs it. Wrapping the app's ctx.onerror once (rather than a catch handler
 * per request: an extra promise on every request) puts it back through err.headers, which Koa
 * applies after clearing. The first audit middleware of an app decides the header name.
 */
function keepRequestIdOnErrors(app: Context['app'], name: string): void {
  if (patchedApps.has(app)) return;
  patchedApps.add(app);
  const proto = app.context as { onerror(this: Context, err: unknown): void };
  const onerror = proto.onerror;
  proto.onerror = function auditOnError(this: Context, err: unknown): void {
    const requestId = (this as { auditContext?: AuditContext }).auditContext?.requestId;
    if (requestId) keepHeaderOnError(err, name, requestId);
    return onerror.call(this, err);
  };
}

function keepHeaderOnError(err: unknown, name: string, value: string): void {
  if (err === null || typeof err !== 'object' || !Object.isExtensible(err)) return;
  const target = err as { headers?: unknown };
  const existing = target.headers;
  if (existing !== undefined && (existing === null || typeof existing !== 'object')) return;
  try {
    target.headers = { ...(existing as Record<string, unknown> | undefined), [name]: value };
  } catch {
    // a read-only `headers` property: the id is only lost from this one error response
  }
}
