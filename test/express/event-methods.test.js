// Shared behaviour (test/helpers/http-suites/event-methods.js), checked on every major of express.
import { EXPRESS_ADAPTERS } from '../helpers/http-apps.js';
import { eventMethodsSuite } from '../helpers/http-suites/event-methods.js';

for (const adapter of EXPRESS_ADAPTERS) eventMethodsSuite(adapter);
