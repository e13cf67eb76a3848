// Compiled (not run) by `npm run typecheck`: what a Koa TypeScript app sees.
import Koa from 'koa';
import { AuditContext, MemoryEventStore, type AuditEvent } from '@audit-events/core';
import { auditContext, auditEventsRouter, type KoaEventsRouterOptions } from '@audit-events/koa';

const store = new MemoryEventStore();
const app = new Koa();
app.use(auditContext({ store, includePostData: true, getUser: (ctx) => ctx.state.user, clientIpResolver: (ctx) => ctx.get('x-real-ip') }));
const routerOptions: KoaEventsRouterOptions = {
  store,
  authorize: (ctx) => ctx.get('authorization') === 'Bearer t',
  scope: (ctx) => ({ tenantId: String(ctx.state.tenantId), outcome: 'denied' }),
  fields: { include: ['contentType', 'objectId', 'action'] },
  path: '/audit',
};
app.use(auditEventsRouter(routerOptions));
app.use(async (ctx) => {
  const fromCtx: AuditContext = ctx.auditContext; // typed by the package's module augmentation
  const fromState: AuditContext = ctx.state.auditContext;
  const event: AuditEvent = await fromCtx.createEvent({ type: 'order', id: 2 });
  // @ts-expect-error the augmentation is an AuditContext, not any
  ctx.auditContext.noSuchMethod();
  // @ts-expect-error ctx.state.auditContext is typed too
  ctx.state.auditContext.noSuchMethod();
  ctx.body = { event, same: fromCtx === fromState };
});

// @ts-expect-error authorize is required
auditEventsRouter({ store, scope: 'all' });
// @ts-expect-error scope is required
auditEventsRouter({ store, authorize: () => true });
// @ts-expect-error a scope's outcome is one of the outcomes
auditEventsRouter({ store, authorize: () => true, scope: () => ({ outcome: 'ok' }) });
