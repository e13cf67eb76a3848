// Shared behaviour (test/helpers/http-suites/content-masking.js), checked on every major of koa.
import { KOA_ADAPTERS } from '../helpers/http-apps.js';
import { contentMaskingSuite } from '../helpers/http-suites/content-masking.js';

for (const adapter of KOA_ADAPTERS) contentMaskingSuite(adapter);
