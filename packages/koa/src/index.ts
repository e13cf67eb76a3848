// Public API of @audit-events/koa. Nothing else is public.
export { auditContext } from './middleware.js';
export { auditEventsRouter } from './events-router.js';
export type { KoaEventsRouterOptions } from './events-router.js';
export type { AuditContextOptions, EventsRouterOptions, EventScope, EventFieldsOption } from '@audit-events/core';
