// Issue 16 item 14, Express side: the Express middleware never touches the app's errors either.
// The framework-style error-path suite (test/helpers/http-suites/error-path.js) on Express 4 and 5.
import express5 from 'express';
import express4 from 'express4';
import { auditContext } from '@audit-events/express';
import { errorPathSuite } from '../helpers/http-suites/error-path.js';

function expressFramework(name, express) {
  return {
    name,
    build({ audit, mode, make, record }) {
      const app = express();
      app.set('env', 'test'); // finalhandler: no stack traces on stderr
      if (audit) app.use(auditContext(audit));
      app.get('/fail', (_req, _res, next) => next(make()));
      if (mode === 'app') {
        app.use((err, _req, res, _next) => {
          record(err);
          res.status(typeof err?.status === 'number' ? err.status : 500);
          const headers = err?.headers;
          if (headers) res.set(headers);
          res.send(err?.expose ? err.message : `failed: ${typeof err}`);
        });
      } else {
        // Express's own finalhandler answers; this only records what reached it.
        app.use((err, _req, _res, next) => {
          record(err);
          next(err);
        });
      }
      return app;
    },
  };
}

errorPathSuite(expressFramework('express4', express4));
errorPathSuite(expressFramework('express5', express5));
