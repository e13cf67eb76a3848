// Shared behaviour (test/helpers/http-suites/change-events.js), checked on every major of koa.
import { KOA_ADAPTERS } from '../helpers/http-apps.js';
import { changeEventsSuite } from '../helpers/http-suites/change-events.js';

for (const adapter of KOA_ADAPTERS) changeEventsSuite(adapter);
