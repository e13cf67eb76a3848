// Compiled (not run) by `npm run typecheck`: what an Express TypeScript app sees.
import express, { type Request } from 'express';
import { AuditContext, MemoryEventStore, type AuditEvent } from '@audit-events/core';
import { auditContext, auditEventsRouter, type AuditContextOptions, type ExpressEventsRouterOptions } from '@audit-events/express';

const store = new MemoryEventStore();
const options: AuditContextOptions<Request> = {
  store,
  includePostData: true,
  includeQueryParams: true,
  maskPostFields: ['iban'],
  includeHeaders: ['x-team'],
  clientIpResolver: (req) => req.get('x-real-ip'),
  getUser: (req) => req.get('x-user'),
  extraData: (req) => ({ path: req.path }),
  requestIdHeader: 'x-correlation-id',
  maxBodyBytes: 4096,
};

const app = express();
app.use(auditContext(options));
app.use('/audit-events', auditEventsRouter({ store, authorize: async (req) => req.get('authorization') === 'Bearer t', scope: 'all' }));
app.post('/orders', async (req, res) => {
  const ctx: AuditContext = req.auditContext; // typed by the package's global augmentation
  const event: AuditEvent = await ctx.createFieldsEvent({ type: 'order', id: 1, status: 'new' }, ['status']);
  // @ts-expect-error the augmentation is an AuditContext, not any
  req.auditContext.noSuchMethod();
  res.json(event);
});

// A tenant's reader: an async scope of the request, sensitive fields left out.
const tenantReader: ExpressEventsRouterOptions = {
  store,
  authorize: (req) => req.get('authorization') !== undefined,
  scope: async (req) => ({ tenantId: String(req.get('x-tenant')) }),
  fields: { exclude: ['postData', 'headers', 'ip', 'userAgent'] },
};
app.use('/tenant/audit-events', auditEventsRouter(tenantReader));

// @ts-expect-error authorize is required
auditEventsRouter({ store, scope: 'all' });
// @ts-expect-error scope is required
auditEventsRouter({ store, authorize: () => true });
// @ts-expect-error scope is a function or 'all'
auditEventsRouter({ store, authorize: () => true, scope: 'everything' });
// @ts-expect-error fields names event fields
auditEventsRouter({ store, authorize: () => true, scope: 'all', fields: { exclude: ['password'] } });
// @ts-expect-error options are checked
auditContext({ includePostData: 'yes' });
