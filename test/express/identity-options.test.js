// Shared behaviour (test/helpers/http-suites/identity-options.js), checked on every major of express.
import { EXPRESS_ADAPTERS } from '../helpers/http-apps.js';
import { identityOptionsSuite } from '../helpers/http-suites/identity-options.js';

for (const adapter of EXPRESS_ADAPTERS) identityOptionsSuite(adapter);
