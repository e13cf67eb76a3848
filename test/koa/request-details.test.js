// Koa-specific reading of the request: ctx.auditContext and ctx.state.auditContext, `app.proxy`
// for the IP, protocol and host, the URL built from Host (not Koa 3's ctx.origin), and the
// request id kept on error responses (Koa's error response clears every header first).
import { expect } from 'chai';
import request from 'supertest';
import Koa3 from 'koa';
import Koa2 from 'koa2';
import { AuditContext, MemoryEventStore, getAuditContext } from '@audit-events/core';
import { auditContext } from '@audit-events/koa';

for (const [name, Koa] of [
  ['koa2', Koa2],
  ['koa3', Koa3],
]) {
  describe(`${name}: request details`, () => {
    let store;
    beforeEach(() => {
      store = new MemoryEventStore();
    });

    function app(setup = () => {}) {
      const a = new Koa();
      a.silent = true; // the thrown test errors are expected
      setup(a);
      a.use(auditContext({ store }));
      a.use(async (ctx) => {
        if (ctx.path === '/missing') ctx.throw(404, 'no such order');
        if (ctx.path === '/boom') throw new Error('handler failed');
        const event = await ctx.auditContext.createEvent({ type: 'page', id: 'where' });
        ctx.body = {
          same: ctx.auditContext === getAuditContext() && ctx.state.auditContext === ctx.auditContext,
          isContext: ctx.auditContext instanceof AuditContext,
          event,
        };
      });
      return a.callback();
    }

    it('sets ctx.auditContext and ctx.state.auditContext, the object getAuditContext() returns', async () => {
      const res = await request(app()).get('/where').expect(200);
      expect(res.body).to.include({ same: true, isContext: true });
    });

    it('ignores X-Forwarded-* unless app.proxy is set', async () => {
      const res = await request(app())
        .get('/where')
        .set('X-Forwarded-For', '203.0.113.7')
        .set('X-Forwarded-Proto', 'https')
        .set('X-Forwarded-Host', 'shop.example')
        .set('Origin', 'https://other.example')
        .expect(200);
      expect(res.body.event.ip).to.equal('127.0.0.1');
      expect(res.body.event.url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/where$/);
    });

    it('honours X-Forwarded-* under app.proxy', async () => {
      const res = await request(app((a) => (a.proxy = true)))
        .get('/where')
        .set('X-Forwarded-For', '203.0.113.7, 10.0.0.2')
        .set('X-Forwarded-Proto', 'https')
        .set('X-Forwarded-Host', 'shop.example')
        .expect(200);
      expect(res.body.event.ip).to.equal('203.0.113.7'); // Koa takes the first listed address
      expect(res.body.event.url).to.equal('https://shop.example/where');
    });

    it('replaces a forged Host header in the stored URL', async () => {
      const res = await request(app()).get('/where').set('Host', 'evil.example/phish?x=').expect(200);
      expect(res.body.event.url).to.equal('http://invalid-host/where');
    });

    it('keeps the request id header on error responses', async () => {
      const behindProxy = (a) => (a.proxy = true);
      const notFound = await request(app(behindProxy)).get('/missing').set('X-Request-Id', 'err-404').expect(404);
      expect(notFound.headers['x-request-id']).to.equal('err-404');
      const failed = await request(app(behindProxy)).get('/boom').set('X-Request-Id', 'err-500').expect(500);
      expect(failed.headers['x-request-id']).to.equal('err-500');
      // Not behind a trusted proxy: our own id, on the error response too.
      const own = await request(app()).get('/boom').set('X-Request-Id', 'err-500').expect(500);
      expect(own.headers['x-request-id']).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    });

    it('adopts an incoming request id only under app.proxy, as X-Forwarded-For', async () => {
      const trusted = await request(app((a) => (a.proxy = true)))
        .get('/where')
        .set('X-Request-Id', 'via-proxy')
        .expect(200);
      expect(trusted.body.event.requestId).to.equal('via-proxy');
      const direct = await request(app()).get('/where').set('X-Request-Id', 'via-proxy').expect(200);
      expect(direct.body.event.requestId).to.equal(direct.headers['x-request-id']).and.not.equal('via-proxy');
      expect(direct.body.event.content.client_request_id).to.equal('via-proxy');
    });

    it('still gives a context when an earlier middleware already sent the headers', async () => {
      const a = new Koa();
      a.use(async (ctx, next) => {
        ctx.respond = false;
        ctx.res.writeHead(200, { 'content-type': 'text/plain' });
        ctx.res.write('streaming ');
        await next();
      });
      a.proxy = true;
      a.use(auditContext({ store }));
      a.use(async (ctx) => {
        await ctx.auditContext.createEvent({ type: 'page', id: 'early' });
        ctx.res.end(`${ctx.auditContext === getAuditContext()}`);
      });
      const res = await request(a.callback()).get('/').set('X-Request-Id', 'late-1').expect(200);
      expect(res.text).to.equal('streaming true');
      expect(res.headers).to.not.have.property('x-request-id');
      const [event] = store.all();
      expect(event).to.include({ requestId: 'late-1', objectId: 'early' });
    });
  });
}
