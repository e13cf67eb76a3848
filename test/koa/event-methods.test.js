// Shared behaviour (test/helpers/http-suites/event-methods.js), checked on every major of koa.
import { KOA_ADAPTERS } from '../helpers/http-apps.js';
import { eventMethodsSuite } from '../helpers/http-suites/event-methods.js';

for (const adapter of KOA_ADAPTERS) eventMethodsSuite(adapter);
