// Shared behaviour (test/helpers/http-suites/events-router-scope.js), checked on every major of express.
import { EXPRESS_ADAPTERS } from '../helpers/http-apps.js';
import { eventsRouterScopeSuite } from '../helpers/http-suites/events-router-scope.js';

eventsRouterScopeSuite(EXPRESS_ADAPTERS, 'express');
