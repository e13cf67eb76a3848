// Shared behaviour (test/helpers/http-suites/change-events.js), checked on every major of express.
import { EXPRESS_ADAPTERS } from '../helpers/http-apps.js';
import { changeEventsSuite } from '../helpers/http-suites/change-events.js';

for (const adapter of EXPRESS_ADAPTERS) changeEventsSuite(adapter);
