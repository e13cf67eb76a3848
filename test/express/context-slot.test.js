// req.auditContext without a property added to req (packages/express/src/context-slot.ts): what
// it must keep of a plain property — one context per request, everywhere the request object goes —
// and what it must not show (req.headers stays the client's headers to every reader).
import { expect } from 'chai';
import request from 'supertest';
import { inspect } from 'node:util';
import express5 from 'express';
import express4 from 'express4';
import { AuditContext, MemoryEventStore, getAuditContext } from '@audit-events/core';
import { auditContext } from '@audit-events/express';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

describe('req.auditContext with two copies of @audit-events/express', () => {
  it('reads what the other copy attached (one slot per process), and a second attach replaces the first', () => {
    const path = require.resolve('@audit-events/express').replace(/index\.js$/, 'context-slot.js');
    const one = require(path);
    delete require.cache[path];
    const two = require(path);
    expect(one).to.not.equal(two);
    const app = express5();
    const req = Object.create(app.request);
    req.headers = { host: 'x' };
    const first = { requestId: 'first' };
    two.attachContext(req, req.headers, first);
    expect(req.auditContext).to.equal(first);
    const second = { requestId: 'second' };
    one.attachContext(req, req.headers, second);
    expect(req.auditContext).to.equal(second);
    expect(Object.getOwnPropertySymbols(req.headers)).to.deep.equal([]);
    expect(inspect(req.headers)).to.equal("{ host: 'x' }");
  });
});

for (const [name, express] of [
  ['express4', express4],
  ['express5', express5],
]) {
  describe(`${name}: req.auditContext`, () => {
    const contextOf = (req) => ({
      id: req.auditContext?.requestId ?? null,
      same: req.auditContext === getAuditContext(),
      isContext: req.auditContext instanceof AuditContext,
    });

    function app(setup = () => {}) {
      const a = express();
      a.set('env', 'test');
      a.use(auditContext({ store: new MemoryEventStore() }));
      setup(a);
      return a;
    }

    it('is this request’s context in a mounted sub-app, whose prototype Express swaps in', async () => {
      const sub = express();
      sub.get('/x', (req, res) => res.json(contextOf(req)));
      const res = await request(app((a) => a.use('/sub', sub)))
        .get('/sub/x')
        .expect(200);
      expect(res.body).to.deep.equal({ id: res.headers['x-request-id'], same: true, isContext: true });
    });

    it('stays readable outside the request’s async context, after the response, from any caller', async () => {
      const kept = [];
      const a = app((a) =>
        a.get('/keep', (req, res) => {
          kept.push(req);
          res.on('finish', () => kept.push(req.auditContext?.requestId));
          res.json({});
        }),
      );
      const first = await request(a).get('/keep').expect(200);
      const second = await request(a).get('/keep').expect(200);
      // Read here, in the test's own context: no AsyncLocalStorage store to fall back on.
      const [req1, finish1, req2, finish2] = kept;
      expect(req1.auditContext.requestId).to.equal(first.headers['x-request-id']);
      expect(req2.auditContext.requestId).to.equal(second.headers['x-request-id']);
      expect(finish1).to.equal(first.headers['x-request-id']);
      expect(finish2).to.equal(second.headers['x-request-id']);
      expect(req1.auditContext).to.not.equal(req2.auditContext);
    });

    it('does not show in req.headers: keys, JSON, spreads, Object.assign and util.inspect', async () => {
      const a = app((a) =>
        a.get('/headers', (req, res) =>
          res.json({
            keys: Object.keys(req.headers),
            json: JSON.stringify(req.headers),
            spread: Object.keys({ ...req.headers }),
            assigned: Object.getOwnPropertySymbols(Object.assign({}, req.headers)).length,
            inspected: inspect(req.headers),
            own: Object.prototype.hasOwnProperty.call(req, 'auditContext'),
          }),
        ),
      );
      const res = await request(a).get('/headers').set('X-Team', 'blue').expect(200);
      expect(res.body.keys).to.include('x-team');
      for (const text of [res.body.json, res.body.inspected, res.body.spread.join(',')])
        expect(text).to.not.match(/AuditContext|audit-events|requestId/);
      expect(res.body.assigned).to.equal(0);
      expect(res.body.keys).to.deep.equal(res.body.spread);
      expect(res.body.own).to.equal(false); // no own property added to req (the point of the slot)
    });

    it('survives a later middleware replacing req.headers, and never answers with another request’s context', async () => {
      const kept = [];
      const a = app((a) => {
        a.use((req, res, next) => {
          req.headers = { ...req.headers, 'x-added': '1' };
          next();
        });
        a.get('/replaced', async (req, res) => {
          await new Promise((resolve) => setImmediate(resolve));
          kept.push(req);
          res.json(contextOf(req));
        });
      });
      const res = await request(a).get('/replaced').expect(200);
      expect(res.body).to.deep.equal({ id: res.headers['x-request-id'], same: true, isContext: true });
      // Outside its async context the replaced headers hold nothing: undefined, not a guess.
      expect(kept[0].auditContext).to.equal(undefined);
    });

    it('takes an assignment for that request only, as a plain property would', async () => {
      const stub = { requestId: 'stubbed' };
      const a = app((a) => {
        a.use((req, res, next) => {
          if (req.query.stub) req.auditContext = stub;
          next();
        });
        a.get('/assigned', (req, res) => res.json({ id: req.auditContext.requestId }));
      });
      expect((await request(a).get('/assigned?stub=1').expect(200)).body.id).to.equal('stubbed');
      const plain = await request(a).get('/assigned').expect(200);
      expect(plain.body.id).to.equal(plain.headers['x-request-id']);
    });

    it('keeps apart the requests of two apps served in turn, and of concurrent requests', async () => {
      const make = () =>
        app((a) =>
          a.get('/id', async (req, res) => {
            await new Promise((resolve) => setTimeout(resolve, 5));
            res.json(contextOf(req));
          }),
        );
      const apps = [make(), make()];
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          request(apps[i % 2])
            .get('/id')
            .expect(200),
        ),
      );
      const ids = new Set();
      for (const res of responses) {
        expect(res.body).to.deep.equal({ id: res.headers['x-request-id'], same: true, isContext: true });
        ids.add(res.body.id);
      }
      expect(ids.size).to.equal(20);
    });

    it('is the inner context when a mounted app has an audit middleware of its own', async () => {
      const sub = express();
      sub.use(auditContext({ store: new MemoryEventStore(), requestIdHeader: 'x-inner-id' }));
      sub.get('/x', (req, res) => res.json(contextOf(req)));
      const res = await request(app((a) => a.use('/sub', sub)))
        .get('/sub/x')
        .expect(200);
      expect(res.body).to.deep.equal({ id: res.headers['x-inner-id'], same: true, isContext: true });
      expect(res.headers['x-inner-id']).to.not.equal(res.headers['x-request-id']);
    });

    it('is an own property of a request that did not come through an Express app', () => {
      const req = { method: 'GET', url: '/', headers: {}, socket: { remoteAddress: '127.0.0.1' } };
      const res = { setHeader() {} };
      let inside;
      auditContext({ store: new MemoryEventStore() })(req, res, () => (inside = getAuditContext()));
      expect(Object.prototype.hasOwnProperty.call(req, 'auditContext')).to.equal(true);
      expect(req.auditContext).to.equal(inside);
    });
  });
}
