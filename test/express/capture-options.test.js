// Shared behaviour (test/helpers/http-suites/capture-options.js), checked on every major of express.
import { EXPRESS_ADAPTERS } from '../helpers/http-apps.js';
import { captureOptionsSuite } from '../helpers/http-suites/capture-options.js';

for (const adapter of EXPRESS_ADAPTERS) captureOptionsSuite(adapter);
