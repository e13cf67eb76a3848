// Compiled (not run) by `npm run typecheck`: what an Express TypeScript app sees.
import express, { type Request } from 'express';
import { AuditContext, MemoryEventStore, type AuditEvent } from '@audit-events/core';
import { auditContext, auditEventsRouter, type AuditContextOptions } from '@audit-events/express';

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
app.use('/audit-events', auditEventsRouter({ store, authorize: async (req) => req.get('authorization') === 'Bearer t' }));
app.post('/orders', async (req, res) => {
  const ctx: AuditContext = req.auditContext; // typed by the package's global augmentation
  const event: AuditEvent = await ctx.createFieldsEvent({ type: 'order', id: 1, status: 'new' }, ['status']);
  // @ts-expect-error the augmentation is an AuditContext, not any
  req.auditContext.noSuchMethod();
  res.json(event);
});

// @ts-expect-error authorize is required
auditEventsRouter({ store });
// @ts-expect-error options are checked
auditContext({ includePostData: 'yes' });
