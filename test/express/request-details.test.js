// Express-specific reading of the request: req.auditContext, `trust proxy` for the IP, protocol
// and host, forged Host headers, Express's own query parsers, and the request id on errors.
import { expect } from 'chai';
import request from 'supertest';
import express5 from 'express';
import express4 from 'express4';
import { AuditContext, MASK, MemoryEventStore, getAuditContext } from '@audit-events/core';
import { auditContext } from '@audit-events/express';

for (const [name, express] of [
  ['express4', express4],
  ['express5', express5],
]) {
  describe(`${name}: request details`, () => {
    let store;
    beforeEach(() => {
      store = new MemoryEventStore();
    });

    function app(setup = () => {}, options = {}) {
      const a = express();
      a.set('env', 'test'); // keeps Express's default error handler from printing the test error
      setup(a);
      a.use(auditContext({ store, ...options }));
      a.get('/where', async (req, res) => {
        const event = await req.auditContext.createEvent({ type: 'page', id: 'where' });
        res.json({
          same: req.auditContext === getAuditContext(),
          isContext: req.auditContext instanceof AuditContext,
          event,
        });
      });
      a.get('/boom', () => {
        throw new Error('handler failed');
      });
      return a;
    }

    it('sets req.auditContext, the same object getAuditContext() returns in the handler', async () => {
      const res = await request(app()).get('/where').expect(200);
      expect(res.body).to.include({ same: true, isContext: true });
    });

    it('ignores X-Forwarded-* without trust proxy', async () => {
      const res = await request(app())
        .get('/where')
        .set('X-Forwarded-For', '203.0.113.7')
        .set('X-Forwarded-Proto', 'https')
        .set('X-Forwarded-Host', 'shop.example')
        .expect(200);
      expect(res.body.event.ip).to.equal('127.0.0.1');
      expect(res.body.event.url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/where$/);
    });

    it('honours X-Forwarded-* under trust proxy', async () => {
      const res = await request(app((a) => a.set('trust proxy', 'loopback')))
        .get('/where')
        .set('X-Forwarded-For', '203.0.113.7, 10.0.0.2')
        .set('X-Forwarded-Proto', 'https')
        .set('X-Forwarded-Host', 'shop.example:8443')
        .expect(200);
      expect(res.body.event.ip).to.equal('10.0.0.2'); // the nearest untrusted hop, as Express computes it
      expect(res.body.event.url).to.equal('https://shop.example:8443/where');
    });

    it('replaces a forged Host header in the stored URL', async () => {
      const res = await request(app()).get('/where').set('Host', 'evil.example/phish?x=').expect(200);
      expect(res.body.event.url).to.equal('http://invalid-host/where');
    });

    it('masks nested query params parsed by the extended query parser', async () => {
      const a = app((x) => x.set('query parser', 'extended'), { includeQueryParams: true });
      const res = await request(a).get('/where?user[name]=ann&user[auth][token]=t-1').expect(200);
      expect(res.body.event.queryParams).to.deep.equal({ user: { name: 'ann', auth: MASK } });
    });

    it('keeps the request id header on error responses', async () => {
      const res = await request(app((a) => a.set('trust proxy', 'loopback')))
        .get('/boom')
        .set('X-Request-Id', 'err-1')
        .expect(500);
      expect(res.headers['x-request-id']).to.equal('err-1');
    });

    it('adopts an incoming request id only from a peer `trust proxy` trusts, as X-Forwarded-For', async () => {
      const trusted = await request(app((a) => a.set('trust proxy', 'loopback')))
        .get('/where')
        .set('X-Request-Id', 'via-proxy')
        .expect(200);
      expect(trusted.headers['x-request-id']).to.equal('via-proxy');
      expect(trusted.body.event.requestId).to.equal('via-proxy');
      for (const setting of [false, '10.0.0.0/8', (addr) => addr === '192.0.2.1']) {
        const res = await request(app((a) => a.set('trust proxy', setting)))
          .get('/where')
          .set('X-Request-Id', 'via-proxy')
          .expect(200);
        expect(res.headers['x-request-id'], String(setting)).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
        expect(res.body.event.requestId).to.equal(res.headers['x-request-id']);
        expect(res.body.event.content.client_request_id).to.equal('via-proxy');
      }
    });

    it('still gives a context when an earlier middleware already sent the headers', async () => {
      const a = express();
      a.use((req, res, next) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('streaming ');
        next();
      });
      a.set('trust proxy', 'loopback');
      a.use(auditContext({ store }));
      a.use(async (req, res) => {
        await req.auditContext.createEvent({ type: 'page', id: 'early' });
        res.end(`${req.auditContext === getAuditContext()}`);
      });
      const res = await request(a).get('/').set('X-Request-Id', 'late-1').expect(200);
      expect(res.text).to.equal('streaming true');
      expect(res.headers).to.not.have.property('x-request-id');
      const [event] = store.all();
      expect(event).to.include({ requestId: 'late-1', objectId: 'early' });
    });
  });
}
