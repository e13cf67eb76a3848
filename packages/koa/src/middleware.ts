import {
  bindRequestBody,
  createRequestContext,
  resolveOptions,
  runWithAuditContext,
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
  return function auditContextMiddleware(ctx: Context, next: Next): Promise<unknown> {
    let context: AuditContext;
    try {
      context = createRequestContext(readKoaRequest(ctx), resolved, ctx);
    } catch (err) {
      return Promise.reject(err); // e.g. a throwing extraData function: Koa's error handling answers
    }
    ctx.auditContext = context;
    ctx.state.auditContext = context;
    const requestId = resolved.setRequestIdHeader ? context.requestId : null;
    if (requestId !== null) ctx.set(resolved.requestIdHeader, requestId);
    // A body's 'data'/'end' events fire from the socket's async context; binding the request's
    // listeners keeps body parsers and everything after them in this request's context.
    bindRequestBody(ctx.req);
    const done = runWithAuditContext(context, () => next());
    if (requestId === null) return done;
    return done.catch((err: unknown) => {
      keepHeaderOnError(err, resolved.requestIdHeader, requestId);
      throw err;
    });
  };
}

/**
 * Koa's error response first removes every header, then sets `err.headers`: adding the request id
 * there keeps it on 4xx/5xx answers, the responses a support request most often quotes.
 */
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
