// Shared behaviour (test/helpers/http-suites/peer-address.js), checked on every major of koa.
import { KOA_ADAPTERS } from '../helpers/http-apps.js';
import { peerAddressSuite } from '../helpers/http-suites/peer-address.js';

for (const adapter of KOA_ADAPTERS) peerAddressSuite(adapter);
