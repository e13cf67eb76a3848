// Shared behaviour (test/helpers/http-suites/propagation.js), checked on every major of express.
import { EXPRESS_ADAPTERS } from '../helpers/http-apps.js';
import { propagationSuite } from '../helpers/http-suites/propagation.js';

for (const adapter of EXPRESS_ADAPTERS) propagationSuite(adapter);
