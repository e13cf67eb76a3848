// auditEventsRouter: read-only, authorised JSON listing over store.find with filters and cursor
// pagination. Never an open endpoint: no authorize → no router; anything but `true` → 403.
import { expect } from 'chai';
import request from 'supertest';
import { AuditContext, ConfigurationError, MemoryEventStore } from '@audit-events/core';

const T0 = Date.parse('2024-05-01T10:00:00.000Z');

/** Five events a minute apart: orders 1 and 2 by two users in two requests. */
async function seed(store) {
  const specs = [
    { type: 'order', id: 1, user: { id: 'u1', repr: 'ann' }, requestId: 'r-a' },
    { type: 'order', id: 1, user: { id: 'u2', repr: 'bob' }, requestId: 'r-b' },
    { type: 'order', id: 2, user: { id: 'u1', repr: 'ann' }, requestId: 'r-b' },
    { type: 'invoice', id: 1, user: { id: 'u2', repr: 'bob' }, requestId: 'r-c' },
    { type: 'order', id: 1, user: { id: 'u1', repr: 'ann' }, requestId: 'r-c' },
  ];
  const events = [];
  for (const [minute, spec] of specs.entries()) {
    const draft = new AuditContext({ store, user: spec.user, requestId: spec.requestId }).newEvent();
    draft.setContentObject({ type: spec.type, id: spec.id });
    draft.createdAt = new Date(T0 + minute * 60_000);
    draft.content = { minute };
    events.push(await draft.save());
  }
  return events;
}

const minutes = (res) => res.body.events.map((e) => e.content.minute);

export function eventsRouterSuite(adapter) {
  describe(`${adapter.name}: auditEventsRouter`, () => {
    let store;
    beforeEach(async () => {
      store = new MemoryEventStore();
      await seed(store);
    });

    const open = (extra = {}) => adapter.router({ store, authorize: () => true, ...extra });

    it('cannot be created without authorize, a store, or with bad options', () => {
      const cases = [
        [{ store }, 'authorize'],
        [{ store, authorize: true }, 'authorize'],
        [{ authorize: () => true }, 'store'],
        [{ store: {}, authorize: () => true }, 'store'],
        [{ store, authorize: () => true, maxLimit: 0 }, 'maxLimit'],
        [{ store, authorize: () => true, maxLimit: 5000 }, 'maxLimit'],
        [{ store, authorize: () => true, authorise: () => true }, 'authorise'],
      ];
      for (const [options, setting] of cases) {
        expect(() => adapter.router(options), setting).to.throw(ConfigurationError).with.property('setting', setting);
      }
    });

    it('answers 403 unless authorize returns exactly true, sync or async', async () => {
      for (const authorize of [() => false, async () => false, () => 'yes', () => undefined, async () => {}]) {
        const res = await request(adapter.router({ store, authorize })).get('/audit-events').expect(403);
        expect(res.body).to.deep.equal({ error: { code: 'AUDIT_FORBIDDEN', message: 'Not allowed to read audit events' } });
      }
    });

    it('passes the framework request to authorize (a token check)', async () => {
      const app = adapter.router({
        store,
        authorize: async (req) => req.headers.authorization === 'Bearer let-me-in',
      });
      await request(app).get('/audit-events').set('Authorization', 'Bearer wrong').expect(403);
      const res = await request(app).get('/audit-events').set('Authorization', 'Bearer let-me-in').expect(200);
      expect(res.body.events).to.have.length(5);
    });

    it('a throwing authorize goes to the error handler and lists nothing', async () => {
      const app = adapter.router({
        store,
        authorize: () => {
          throw new Error('auth backend down');
        },
      });
      const res = await request(app).get('/audit-events').expect(500);
      expect(res.body.message).to.equal('auth backend down');
      expect(res.body).to.not.have.property('events');
    });

    it('lists events newest first as { events, nextCursor }, never cached', async () => {
      const res = await request(open()).get('/audit-events').expect(200).expect('Content-Type', /json/);
      expect(res.headers['cache-control']).to.equal('no-store');
      expect(minutes(res)).to.deep.equal([4, 3, 2, 1, 0]);
      expect(res.body.nextCursor).to.equal(null);
      const [newest] = res.body.events;
      expect(newest).to.include({
        contentType: 'order',
        objectId: '1',
        userId: 'u1',
        userRepr: 'ann',
        requestId: 'r-c',
        createdAt: '2024-05-01T10:04:00.000Z',
      });
    });

    it('filters by content object, user, request id and time range', async () => {
      const app = open();
      const get = (query) => request(app).get('/audit-events').query(query).expect(200);
      expect(minutes(await get({ contentType: 'order', objectId: '1' }))).to.deep.equal([4, 1, 0]);
      expect(minutes(await get({ userId: 'u2' }))).to.deep.equal([3, 1]);
      expect(minutes(await get({ requestId: 'r-b' }))).to.deep.equal([2, 1]);
      expect(minutes(await get({ since: '2024-05-01T10:01:00Z', until: '2024-05-01T10:03:00Z' }))).to.deep.equal([2, 1]);
      expect(minutes(await get({ contentType: 'order', userId: '' }))).to.deep.equal([4, 2, 1, 0]); // empty = absent
    });

    it('pages with limit and cursor, each event exactly once', async () => {
      const app = open();
      const seen = [];
      let cursor = '';
      let pages = 0;
      do {
        const res = await request(app).get('/audit-events').query({ limit: 2, cursor }).expect(200);
        seen.push(...minutes(res));
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor !== null && pages < 10);
      expect(pages).to.equal(3);
      expect(seen).to.deep.equal([4, 3, 2, 1, 0]);
    });

    it('answers 400 with the error code for a bad query', async () => {
      const app = open({ maxLimit: 3 });
      for (const query of [
        'limit=4',
        'limit=0',
        'limit=abc',
        'limit=1.5',
        'since=yesterday',
        'until=2024-13-45',
        'cursor=not-a-cursor',
        'userID=u1',
        'userId=u1&userId=u2',
        `contentType=${'x'.repeat(300)}`,
      ]) {
        const res = await request(app).get(`/audit-events?${query}`).expect(400);
        expect(res.body.error.code, query).to.equal('AUDIT_BAD_QUERY');
        expect(res.body.error.message, query).to.be.a('string').and.not.empty;
      }
    });

    it('is read-only: other methods get 405 with Allow', async () => {
      let asked = 0;
      const app = adapter.router({ store, authorize: () => ++asked > 0 });
      for (const method of ['post', 'put', 'patch', 'delete']) {
        const res = await request(app)[method]('/audit-events').send({}).expect(405);
        expect(res.headers.allow).to.equal('GET, HEAD');
        expect(res.body.error.code).to.equal('AUDIT_METHOD_NOT_ALLOWED');
      }
      expect(store.size).to.equal(5);
      await request(app).head('/audit-events').expect(200);
    });

    it('answers only its own path', async () => {
      await request(open()).get('/audit-events/anything').expect(404);
      await request(open()).get('/elsewhere').expect(404);
      await request(open()).get('/audit-events/').expect(200);
    });
  });
}
