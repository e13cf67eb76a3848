// Shared behaviour (test/helpers/http-suites/content-masking.js), checked on every major of express.
import { EXPRESS_ADAPTERS } from '../helpers/http-apps.js';
import { contentMaskingSuite } from '../helpers/http-suites/content-masking.js';

for (const adapter of EXPRESS_ADAPTERS) contentMaskingSuite(adapter);
