// Shared behaviour (test/helpers/http-suites/events-router.js), checked on every major of koa.
import { KOA_ADAPTERS } from '../helpers/http-apps.js';
import { eventsRouterSuite } from '../helpers/http-suites/events-router.js';

for (const adapter of KOA_ADAPTERS) eventsRouterSuite(adapter);
