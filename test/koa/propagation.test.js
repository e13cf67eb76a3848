// Shared behaviour (test/helpers/http-suites/propagation.js), checked on every major of koa.
import { KOA_ADAPTERS } from '../helpers/http-apps.js';
import { propagationSuite } from '../helpers/http-suites/propagation.js';

for (const adapter of KOA_ADAPTERS) propagationSuite(adapter);
