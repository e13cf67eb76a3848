// Item 14 of issue 16: the Koa middleware keeps X-Request-Id on error responses without touching
// what the app threw. A framework-style error-path suite (test/helpers/http-suites/error-path.js)
// on Koa 2 and 3, and Koa's own "should stringify error if it is an object" case, middleware mounted.
import assert from 'node:assert';
import { expect } from 'chai';
import request from 'supertest';
import Koa3 from 'koa';
import Koa2 from 'koa2';
import { MemoryEventStore } from '@audit-events/core';
import { auditContext } from '@audit-events/koa';
import { errorPathSuite } from '../helpers/http-suites/error-path.js';

function koaFramework(name, Koa) {
  return {
    name,
    build({ audit, mode, make, record }) {
      const app = new Koa();
      app.on('error', (err) => record(err));
      if (mode === 'app') {
        // The error handler Koa's documentation shows: status, headers and body set by the app, then 'error' emitted.
        app.use(async (ctx, next) => {
          try {
            await next();
          } catch (err) {
            ctx.status = typeof err?.status === 'number' ? err.status : 500;
            const headers = err?.headers;
            if (headers) ctx.set(headers);
            ctx.body = err?.expose ? err.message : `failed: ${typeof err}`;
            ctx.app.emit('error', err, ctx);
          }
        });
      }
      if (audit) app.use(auditContext(audit));
      app.use(async () => {
        throw make();
      });
      return app.callback();
    },
  };
}

for (const [name, Koa] of [
  ['koa2', Koa2],
  ['koa3', Koa3],
]) {
  errorPathSuite(koaFramework(name, Koa));

  describe(`${name}: Koa's own ctx.onerror cases with the audit middleware mounted`, () => {
    // Ported from Koa's test/context/onerror.test.js, with auditContext() in front.
    it('should stringify error if it is an object', async () => {
      const app = new Koa();
      const errors = [];
      let mismatch = null;
      // Compared inside the listener, as Koa's test does: Koa itself sets err.status right after.
      app.on('error', (err) => {
        errors.push(err);
        try {
          assert.deepStrictEqual(err, new Error('non-error thrown: {"key":"value"}'));
        } catch (assertion) {
          mismatch = assertion;
        }
      });
      app.use(auditContext({ store: new MemoryEventStore() }));
      app.use(async () => {
        throw { key: 'value' };
      });
      const res = await request(app.callback()).get('/').expect(500).expect('Internal Server Error');
      expect(errors).to.have.length(1);
      if (mismatch) throw mismatch;
      expect(res.headers['x-request-id']).to.be.a('string');
    });

    it('should respond with the error headers of ctx.throw, and keep ours', async () => {
      const app = new Koa();
      app.on('error', () => {});
      app.use(auditContext({ store: new MemoryEventStore() }));
      app.use((ctx) => {
        ctx.set('X-Before', 'cleared by Koa');
        ctx.throw(401, 'who are you', { headers: { 'WWW-Authenticate': 'Basic' } });
      });
      const res = await request(app.callback()).get('/').set('X-Request-Id', 'anything').expect(401);
      expect(res.headers['www-authenticate']).to.equal('Basic');
      expect(res.headers).not.to.have.property('x-before');
      expect(res.headers['x-request-id']).to.be.a('string');
    });
  });
}
