// Shared behaviour (test/helpers/http-suites/audit-model.js), checked on every major of koa.
import { KOA_ADAPTERS } from '../helpers/http-apps.js';
import { auditModelSuite } from '../helpers/http-suites/audit-model.js';

for (const adapter of KOA_ADAPTERS) auditModelSuite(adapter);
