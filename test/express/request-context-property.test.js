// req.auditContext is served by one accessor on the request prototype an Express copy shares
// (no property added to each request: on Node 20 and 22 that costs a hidden class per request).
// It must still behave like a property of each request, on every major, in mounted apps too.
import assert from 'node:assert/strict';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import express5 from 'express';
import express4 from 'express4';
import { auditContext } from '@audit-events/express';
import { AuditContext, MemoryEventStore, getAuditContext } from '@audit-events/core';
import { listen } from '../helpers/http-apps.js';

for (const [name, express] of [
  ['express4', express4],
  ['express5', express5],
]) {
  describe(`req.auditContext [${name}]`, () => {
    async function get(app, path) {
      const server = await listen(app);
      try {
        const res = await fetch(server.url + path);
        return { status: res.status, body: await res.json() };
      } finally {
        await server.close();
      }
    }

    it('is each request’s own context, not an own property of the request', async () => {
      const app = express();
      app.use(auditContext({ store: new MemoryEventStore() }));
      app.get('/', (req, res) =>
        res.json({
          same: req.auditContext === getAuditContext(),
          isContext: req.auditContext instanceof AuditContext,
          own: Object.prototype.hasOwnProperty.call(req, 'auditContext'),
          requestId: req.auditContext.requestId,
          echoed: res.getHeader('x-request-id'),
        }),
      );
      const [a, b] = [await get(app, '/'), await get(app, '/')];
      for (const { body } of [a, b]) {
        const { requestId, echoed, ...facts } = body;
        assert.deepEqual(facts, { same: true, isContext: true, own: false });
        assert.equal(echoed, requestId);
      }
      assert.notEqual(a.body.requestId, b.body.requestId);
    });

    it('is the same context inside a mounted sub-app and a router, and after it returns', async () => {
      const app = express();
      const sub = express();
      const seen = {};
      sub.get('/inner', (req, res, next) => {
        seen.inner = req.auditContext;
        next();
      });
      app.use(auditContext({ store: new MemoryEventStore() }));
      app.use('/sub', sub);
      app.use((req, res) => res.json({ inner: seen.inner === req.auditContext, id: req.auditContext.requestId }));
      const { body } = await get(app, '/sub/inner');
      assert.equal(body.inner, true);
      assert.equal(typeof body.id, 'string');
    });

    it('can be assigned, and reads undefined in an app without the middleware', async () => {
      const app = express();
      const mine = AuditContext.blank();
      app.get('/', (req, res) => {
        const before = req.auditContext;
        req.auditContext = mine;
        res.json({ before: before === undefined, assigned: req.auditContext === mine });
      });
      assert.deepEqual((await get(app, '/')).body, { before: true, assigned: true });
    });
  });
}

describe('req.auditContext on a request that is not Express’s', () => {
  it('is set as an own property (the http module’s prototype is never touched)', () => {
    const req = new IncomingMessage(new Socket());
    req.method = 'GET';
    req.url = '/';
    const res = new ServerResponse(req);
    let inside;
    auditContext({ store: new MemoryEventStore() })(req, res, () => {
      inside = getAuditContext();
    });
    assert.equal(Object.prototype.hasOwnProperty.call(req, 'auditContext'), true);
    assert.equal(req.auditContext, inside);
    assert.equal(Object.getOwnPropertyDescriptor(IncomingMessage.prototype, 'auditContext'), undefined);
  });
});
