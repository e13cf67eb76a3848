// Shared behaviour (test/helpers/http-suites/concurrency.js), checked on every major of express.
import { EXPRESS_ADAPTERS } from '../helpers/http-apps.js';
import { concurrencySuite } from '../helpers/http-suites/concurrency.js';

for (const adapter of EXPRESS_ADAPTERS) concurrencySuite(adapter);
