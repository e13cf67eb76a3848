// Shared behaviour (test/helpers/http-suites/audit-model.js), checked on every major of express.
import { EXPRESS_ADAPTERS } from '../helpers/http-apps.js';
import { auditModelSuite } from '../helpers/http-suites/audit-model.js';

for (const adapter of EXPRESS_ADAPTERS) auditModelSuite(adapter);
