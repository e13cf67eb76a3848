import type { AuditContext } from '@audit-events/core';

// Importing @audit-events/koa types `ctx.auditContext` and `ctx.state.auditContext`.
declare module 'koa' {
  interface DefaultContext {
    /** This request's audit context, set by the auditContext() middleware. */
    auditContext: AuditContext;
  }
  interface DefaultState {
    /** The same context, for code that only sees `ctx.state` (views, some routers). */
    auditContext: AuditContext;
  }
}

export {};
