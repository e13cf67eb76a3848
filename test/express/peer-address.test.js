// Shared behaviour (test/helpers/http-suites/peer-address.js), checked on every major of express.
import { EXPRESS_ADAPTERS } from '../helpers/http-apps.js';
import { peerAddressSuite } from '../helpers/http-suites/peer-address.js';

for (const adapter of EXPRESS_ADAPTERS) peerAddressSuite(adapter);
