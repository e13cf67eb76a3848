import type { AuditContext } from '@audit-events/core';

// Importing @audit-events/express types `req.auditContext` in every handler of the app.
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** This request's audit context, set by the auditContext() middleware. */
      auditContext: AuditContext;
    }
  }
}

export {};
