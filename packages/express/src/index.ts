// Public API of @audit-events/express. Nothing else is public.
export { auditContext } from './middleware.js';
export { auditEventsRouter } from './events-router.js';
export type { ExpressEventsRouterOptions } from './events-router.js';
export type { AuditContextOptions, EventsRouterOptions, EventScope, EventFieldsOption } from '@audit-events/core';
