// Hostile read-API queries over KnexEventStore on every dialect, Koa 2 and 3.
import { KOA_ADAPTERS } from '../helpers/http-apps.js';
import { eventsRouterHostileSuite } from '../helpers/http-suites/events-router-hostile.js';

eventsRouterHostileSuite(KOA_ADAPTERS, 'koa');
