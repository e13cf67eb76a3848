// Shared behaviour (test/helpers/http-suites/events-router-scope.js), checked on every major of koa.
import { KOA_ADAPTERS } from '../helpers/http-apps.js';
import { eventsRouterScopeSuite } from '../helpers/http-suites/events-router-scope.js';

eventsRouterScopeSuite(KOA_ADAPTERS, 'koa');
