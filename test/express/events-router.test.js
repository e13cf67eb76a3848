// Shared behaviour (test/helpers/http-suites/events-router.js), checked on every major of express.
import { EXPRESS_ADAPTERS } from '../helpers/http-apps.js';
import { eventsRouterSuite } from '../helpers/http-suites/events-router.js';

for (const adapter of EXPRESS_ADAPTERS) eventsRouterSuite(adapter);
