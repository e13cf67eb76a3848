// Who and where a request comes from, and where its events go, option by option: clientIpResolver,
// getUser (and the lazy default user), store / configureEventStore, extraData, requestIdHeader,
// setRequestIdHeader, generateRequestId, describer, and option validation at start-up.
import { expect } from 'chai';
import request from 'supertest';
import { ConfigurationError, MemoryEventStore, configureEventStore, newEventId } from '@audit-events/core';
import { eventIdTime } from '@audit-events/core/internal';

const order = { type: 'order', id: 1 };

export function identityOptionsSuite(adapter) {
  describe(`${adapter.name}: identity, request id, store and extraData options`, () => {
    let store;
    beforeEach(() => {
      store = new MemoryEventStore();
    });
    afterEach(() => configureEventStore(null));

    const record = async ({ audit }) => audit.createEvent(order);

    it('reads the user lazily from an auth middleware registered after the audit middleware', async () => {
      const app = adapter.build({
        audit: { store },
        user: (headers) =>
          headers['x-user'] ? { id: Number(headers['x-user']), username: `user${headers['x-user']}` } : undefined,
        handler: record,
      });
      await request(app).get('/').set('X-User', '5').expect(200);
      await request(app).get('/').expect(200);
      const [withUser, anonymous] = store.all();
      expect(withUser).to.include({ userId: '5', userRepr: 'user5' });
      expect(anonymous).to.include({ userId: null, userRepr: null });
    });

    it('getUser replaces the default user lookup', async () => {
      const app = adapter.build({
        audit: { store, getUser: (req) => ({ id: 'svc-1', repr: `service ${req.headers['x-service']}` }) },
        handler: record,
      });
      await request(app).get('/').set('X-Service', 'billing').expect(200);
      expect(store.all()[0]).to.include({ userId: 'svc-1', userRepr: 'service billing' });
    });

    it('clientIpResolver supplies the IP; a non-address or a throw falls back to the socket address', async () => {
      const app = adapter.build({
        audit: {
          store,
          clientIpResolver: (req) => {
            const value = req.headers['x-real-ip'];
            if (value === 'boom') throw new Error('resolver bug');
            return value;
          },
        },
        handler: record,
      });
      await request(app).get('/').set('X-Real-IP', '203.0.113.9').expect(200);
      await request(app).get('/').set('X-Real-IP', '<script>alert(1)</script>').expect(200);
      await request(app).get('/').set('X-Real-IP', 'boom').expect(200);
      expect(store.all().map((e) => e.ip)).to.deep.equal(['203.0.113.9', '127.0.0.1', '127.0.0.1']);
    });

    it('still knows the client address when an event is created after the socket closed', async () => {
      // The address is worked out lazily, on the first event: it must not depend on the socket.
      let captured;
      const app = adapter.build({
        audit: { store },
        handler: ({ audit }) => {
          captured = audit;
          return null;
        },
      });
      await request(app).get('/').set('Connection', 'close').expect(200);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await captured.createEvent(order);
      expect(store.all()[0].ip).to.equal('127.0.0.1');
    });

    it('uses the store option before the configured global store', async () => {
      const global = new MemoryEventStore();
      configureEventStore(global);
      const app = adapter.build({ audit: { store }, handler: record });
      await request(app).get('/').expect(200);
      expect(store.size).to.equal(1);
      expect(global.size).to.equal(0);
    });

    it('falls back to configureEventStore() when no store option is given', async () => {
      configureEventStore(store);
      const app = adapter.build({ audit: {}, handler: record });
      await request(app).get('/').expect(200);
      expect(store.size).to.equal(1);
    });

    it('answers a typed NoEventStoreError when no store exists anywhere', async () => {
      const app = adapter.build({ audit: {}, handler: record });
      const res = await request(app).get('/').expect(500);
      expect(res.body).to.include({ name: 'NoEventStoreError', code: 'AUDIT_NO_STORE' });
    });

    it('merges extraData (object) into every event; per-event content wins', async () => {
      const app = adapter.build({
        audit: { store, extraData: { app: 'shop', region: 'eu' } },
        handler: async ({ audit }) => audit.createEvent(order, { region: 'us', total: 3 }),
      });
      await request(app).get('/').expect(200);
      expect(store.all()[0].content).to.deep.equal({ app: 'shop', region: 'us', total: 3 });
    });

    it('calls an extraData function once per request with the request', async () => {
      const app = adapter.build({
        audit: { store, extraData: (req) => ({ tenant: req.headers['x-tenant'] }) },
        handler: async ({ audit }) => {
          await audit.createEvent(order);
          return audit.createEvent(order, { second: true });
        },
      });
      await request(app).get('/').set('X-Tenant', 'acme').expect(200);
      await request(app).get('/').set('X-Tenant', 'globex').expect(200);
      expect(store.all().map((e) => e.content)).to.deep.equal([
        { tenant: 'acme' },
        { tenant: 'acme', second: true },
        { tenant: 'globex' },
        { tenant: 'globex', second: true },
      ]);
    });

    it('never shares extraData between requests, even nested values of a static object', async () => {
      const app = adapter.build({
        audit: { store, extraData: { tags: ['base'] } },
        handler: async ({ audit, headers }) => {
          audit.extraData.tags.push(headers['x-tag']);
          audit.extraData[headers['x-tag']] = true;
          return audit.createEvent(order);
        },
      });
      await request(app).get('/').set('X-Tag', 'first').expect(200);
      await request(app).get('/').set('X-Tag', 'second').expect(200);
      expect(store.all().map((e) => e.content)).to.deep.equal([
        { tags: ['base', 'first'], first: true },
        { tags: ['base', 'second'], second: true },
      ]);
    });

    it('an extraData function that throws fails that request through the app error handling, not the process', async () => {
      const app = adapter.build({
        audit: {
          store,
          extraData: (req) => {
            if (req.headers['x-fail']) throw new Error('extraData bug');
            return {};
          },
        },
        handler: record,
      });
      const res = await request(app).get('/').set('X-Fail', '1').expect(500);
      expect(res.body.message).to.equal('extraData bug');
      await request(app).get('/').expect(200);
      expect(store.size).to.equal(1);
    });

    const UUID7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const echoIds = async ({ audit }) => {
      const event = await audit.createEvent(order);
      return { requestId: audit.requestId, clientRequestId: audit.clientRequestId, content: event.content };
    };

    it("does not adopt a client X-Request-Id without a trusted proxy: our own id is used and echoed, the client's kept apart", async () => {
      const app = adapter.build({ audit: { store }, handler: echoIds });
      const res = await request(app).get('/').set('X-Request-Id', 'req-abc.123').expect(200);
      expect(res.headers['x-request-id']).to.match(UUID7);
      expect(res.body).to.deep.include({ requestId: res.headers['x-request-id'], clientRequestId: 'req-abc.123' });
      const [event] = store.all();
      expect(event.requestId).to.equal(res.headers['x-request-id']);
      expect(event.content).to.deep.equal({ client_request_id: 'req-abc.123' });
      // A client can no longer make its requests share (or hijack) another request's id.
      await request(app).get('/').set('X-Request-Id', 'req-abc.123').expect(200);
      const ids = store.all().map((e) => e.requestId);
      expect(new Set(ids).size).to.equal(2);
    });

    it('keeps apart only printable ASCII of at most 128 characters from an untrusted client', async () => {
      const app = adapter.build({ audit: { store }, handler: echoIds });
      const cases = [
        ['has space <b>&"quotes"', 'has space <b>&"quotes"'],
        ['x'.repeat(128), 'x'.repeat(128)],
        ['x'.repeat(129), null],
        [Buffer.from('ünïcode', 'utf8').toString('latin1'), null],
        ['tab\there', null],
      ];
      for (const [sent, kept] of cases) {
        const res = await request(app).get('/').set('X-Request-Id', sent).expect(200);
        expect(res.headers['x-request-id'], sent).to.match(UUID7);
        expect(res.body.clientRequestId, sent).to.equal(kept);
        if (kept === null) expect(res.body.content, sent).not.to.have.property('client_request_id');
        else expect(res.body.content.client_request_id, sent).to.equal(kept);
      }
      const bare = await request(app).get('/').expect(200);
      expect(bare.body).to.deep.include({ clientRequestId: null, content: {} });
    });

    it('adopts a well-formed X-Request-Id from a trusted proxy (trust proxy / app.proxy) and echoes it', async () => {
      const app = adapter.build({ audit: { store }, trustProxy: true, handler: echoIds });
      const res = await request(app).get('/').set('X-Request-Id', 'req-abc.123').expect(200);
      expect(res.headers['x-request-id']).to.equal('req-abc.123');
      expect(res.body).to.deep.include({ requestId: 'req-abc.123', clientRequestId: null, content: {} });
      expect(store.all()[0].requestId).to.equal('req-abc.123');
    });

    it('replaces malformed or oversized ids even from a trusted proxy, keeping printable ones apart', async () => {
      const app = adapter.build({ audit: { store }, trustProxy: true, handler: echoIds });
      for (const [bad, kept] of [
        ['has space', 'has space'],
        ['<script>', '<script>'],
        ['-leading-dash', '-leading-dash'],
        ['x'.repeat(200), null],
        [Buffer.from('ünïcode', 'utf8').toString('latin1'), null],
      ]) {
        const res = await request(app).get('/').set('X-Request-Id', bad).expect(200);
        expect(res.headers['x-request-id'], bad).to.match(UUID7);
        expect(res.body.requestId, bad).to.equal(res.headers['x-request-id']);
        expect(res.body.clientRequestId, bad).to.equal(kept);
      }
      expect(store.all().every((e) => UUID7.test(e.requestId))).to.equal(true);
    });

    it('generates time-ordered request ids (UUID version 7) by default', async () => {
      const app = adapter.build({ audit: { store }, handler: record });
      const ids = [];
      for (let i = 0; i < 5; i++) ids.push((await request(app).get('/').expect(200)).headers['x-request-id']);
      for (const id of ids)
        expect(id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      // Later requests sort after earlier ones: new ids land at the end of the request_id index.
      expect([...ids].sort()).to.deep.equal(ids);
      expect(new Set(ids).size).to.equal(5);
      expect(store.all().map((e) => e.requestId)).to.deep.equal(ids);
    });

    it('makes an unechoed default id on first read, in the order and millisecond of the arrival', async () => {
      const seen = {};
      const app = adapter.build({
        audit: { store, setRequestIdHeader: false },
        handler: async ({ audit }) => {
          seen.blank = audit.isBlank;
          await new Promise((resolve) => setTimeout(resolve, 25));
          seen.between = newEventId(); // an id made after the arrival, before the request's is read
          seen.first = audit.requestId;
          seen.again = audit.requestId;
          await audit.createEvent(order);
          return {};
        },
      });
      const before = newEventId();
      const res = await request(app).get('/').expect(200);
      expect(res.headers).to.not.have.property('x-request-id');
      expect(seen.blank).to.equal(false);
      expect(seen.first).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(seen.again).to.equal(seen.first);
      // Where it arrived in the order of ids, not where it was first read.
      expect([before, seen.first, seen.between]).to.deep.equal([before, seen.first, seen.between].sort());
      expect(eventIdTime(seen.first)).to.be.below(eventIdTime(seen.between));
      expect(store.all().map((e) => e.requestId)).to.deep.equal([seen.first]);
    });

    it('requestIdHeader, generateRequestId and setRequestIdHeader', async () => {
      let n = 0;
      // Behind a trusted proxy, so that incoming ids are adopted at all.
      const custom = adapter.build({
        audit: { store, requestIdHeader: 'X-Correlation-Id', generateRequestId: () => `gen-${++n}` },
        trustProxy: true,
        handler: record,
      });
      const kept = await request(custom)
        .get('/')
        .set('X-Correlation-Id', 'corr-1')
        .set('X-Request-Id', 'ignored')
        .expect(200);
      expect(kept.headers['x-correlation-id']).to.equal('corr-1');
      const generated = await request(custom).get('/').expect(200);
      expect(generated.headers['x-correlation-id']).to.equal('gen-1');
      const silent = adapter.build({ audit: { store, setRequestIdHeader: false }, trustProxy: true, handler: record });
      const res = await request(silent).get('/').set('X-Request-Id', 'quiet-1').expect(200);
      expect(res.headers).to.not.have.property('x-request-id');
      expect(store.all().map((e) => e.requestId)).to.deep.equal(['corr-1', 'gen-1', 'quiet-1']);
    });

    it('describer turns app objects into content type and id', async () => {
      const app = adapter.build({
        audit: { store, describer: (obj) => ({ type: `shop.${obj.kind}`, id: obj.sku }) },
        handler: async ({ audit }) => audit.createEvent({ kind: 'product', sku: 'SKU-9' }),
      });
      await request(app).get('/').expect(200);
      expect(store.all()[0]).to.include({ contentType: 'shop.product', objectId: 'SKU-9' });
    });

    it('rejects bad options when the middleware is created', () => {
      const bad = [
        { includePostData: 'yes' },
        { maskPostFields: 'password' },
        { includeHeaders: [''] },
        { clientIpResolver: 'x-real-ip' },
        { store: {} },
        { extraData: 5 },
        { extraData: { fn: () => 1 } },
        { maxBodyBytes: 10 },
        { requestIdHeader: 'bad header' },
        { includeQueryParam: true },
      ];
      for (const options of bad) {
        expect(() => adapter.build({ audit: options, handler: record }), JSON.stringify(Object.keys(options)))
          .to.throw(ConfigurationError)
          .with.property('code', 'AUDIT_BAD_CONFIG');
      }
    });
  });
}
