// Shared behaviour (test/helpers/http-suites/capture-options.js), checked on every major of koa.
import { KOA_ADAPTERS } from '../helpers/http-apps.js';
import { captureOptionsSuite } from '../helpers/http-suites/capture-options.js';

for (const adapter of KOA_ADAPTERS) captureOptionsSuite(adapter);
