// Hostile read-API queries over KnexEventStore on every dialect, Express 4 and 5.
import { EXPRESS_ADAPTERS } from '../helpers/http-apps.js';
import { eventsRouterHostileSuite } from '../helpers/http-suites/events-router-hostile.js';

eventsRouterHostileSuite(EXPRESS_ADAPTERS, 'express');
