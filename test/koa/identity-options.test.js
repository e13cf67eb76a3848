// Shared behaviour (test/helpers/http-suites/identity-options.js), checked on every major of koa.
import { KOA_ADAPTERS } from '../helpers/http-apps.js';
import { identityOptionsSuite } from '../helpers/http-suites/identity-options.js';

for (const adapter of KOA_ADAPTERS) identityOptionsSuite(adapter);
