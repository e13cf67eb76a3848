// Shared behaviour (test/helpers/http-suites/concurrency.js), checked on every major of koa.
import { KOA_ADAPTERS } from '../helpers/http-apps.js';
import { concurrencySuite } from '../helpers/http-suites/concurrency.js';

for (const adapter of KOA_ADAPTERS) concurrencySuite(adapter);
