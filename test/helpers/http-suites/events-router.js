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

    const open = (extra = {}) => adapter.router({ store, authorize: () => true, scope: 'all', ...extra });

    it('cannot be created without authorize, a store, or with bad options', () => {
      const all = { scope: 'all' };
      const cases = [
        [{ store, ...all }, 'authorize'],
        [{ store, authorize: true, ...all }, 'authorize'],
        [{ authorize: () => true, ...all }, 'store'],
        [{ store: {}, authorize: () => true, ...all }, 'store'],
        [{ store, authorize: () => true, ...all, maxLimit: 0 }, 'maxLimit'],
        [{ store, authorize: () => true, ...all, maxLimit: 5000 }, 'maxLimit'],
        [{ store, authorize: () => true, ...all, authorise: () => true }, 'authorise'],
        [{ store, authorize: () => true }, 'scope'],
        [{ store, authorize: () => true, scope: undefined }, 'scope'],
        [{ store, authorize: () => true, scope: { userId: 'u1' } }, 'scope'],
        [{ store, authorize: () => true, scope: 'everything' }, 'scope'],
        [{ store, authorize: () => true, ...all, fields: { exclude: ['password'] } }, 'fields'],
      ];
      for (const [options, setting] of cases) {
        expect(() => adapter.router(options), setting)
          .to.throw(ConfigurationError)
          .with.property('setting', setting);
      }
    });

    it('answers 403 unless authorize returns exactly true, sync or async', async () => {
      for (const authorize of [() => false, async () => false, () => 'yes', () => undefined, async () => {}]) {
        const res = await request(adapter.router({ store, authorize, scope: 'all' }))
          .get('/audit-events')
          .expect(403);
        expect(res.body).to.deep.equal({
          error: { code: 'AUDIT_FORBIDDEN', message: 'Not allowed to read audit events' },
        });
      }
    });

    it('passes the framework request to authorize (a token check)', async () => {
      const app = adapter.router({
        store,
        authorize: async (req) => req.headers.authorization === 'Bearer let-me-in',
        scope: 'all',
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
        scope: 'all',
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
      expect(minutes(await get({ since: '2024-05-01T10:01:00Z', until: '2024-05-01T10:03:00Z' }))).to.deep.equal([
        2, 1,
      ]);
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
      const app = adapter.router({ store, authorize: () => ++asked > 0, scope: 'all' });
      for (const method of ['post', 'put', 'patch', 'delete']) {
        const res = await request(app)[method]('/audit-events').send({}).expect(405);
        expect(res.headers.allow).to.equal('GET, HEAD');
        expect(res.body.error.code).to.equal('AUDIT_METHOD_NOT_ALLOWED');
      }
      expect(store.size).to.equal(5);
      await request(app).head('/audit-events').expect(200);
    });

    it('GET <mount>/:id answers one event (id in either case); missing and malformed ids are the same 404', async () => {
      const app = open();
      const [first] = (await store.find({ limit: 1 })).events;
      const res = await request(app).get(`/audit-events/${first.id}`).expect(200).expect('Content-Type', /json/);
      expect(res.headers['cache-control']).to.equal('no-store');
      expect(res.body).to.include({
        id: first.id,
        contentType: 'order',
        objectId: '1',
        userId: 'u1',
        createdAt: '2024-05-01T10:04:00.000Z',
      });
      await request(app).get(`/audit-events/${first.id}/`).expect(200);
      await request(app)
        .get(`/audit-events/${encodeURIComponent(first.id).replace('-', '%2D')}`)
        .expect(200);
      expect((await request(app).get(`/audit-events/${first.id.toUpperCase()}`).expect(200)).body.id).to.equal(
        first.id,
      );
      const missing = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
      const expected = { error: { code: 'AUDIT_NOT_FOUND', message: 'No such audit event' } };
      for (const id of [
        missing,
        `${first.id}0`,
        first.id.slice(1),
        ` ${first.id}`,
        'x',
        '%E0%A4%A',
        `${first.id}%00`,
        '..',
        '%2e%2e',
        'constructor',
        '__proto__',
        'x'.repeat(300),
      ]) {
        const miss = await request(app).get(`/audit-events/${id}`);
        expect(miss.status, id).to.equal(404);
        expect(miss.body, id).to.deep.equal(expected);
        expect(miss.headers['cache-control'], id).to.equal('no-store');
      }
      const withQuery = await request(app).get(`/audit-events/${first.id}?userId=u1`).expect(400);
      expect(withQuery.body.error.code).to.equal('AUDIT_BAD_QUERY');
      await request(adapter.router({ store, authorize: () => false, scope: 'all' }))
        .get(`/audit-events/${first.id}`)
        .expect(403);
      const post = await request(app).post(`/audit-events/${first.id}`).send({}).expect(405);
      expect(post.headers.allow).to.equal('GET, HEAD');
    });

    if (adapter.routed) {
      it('routed with app.get() (listing and /:id) answers as when mounted', async () => {
        const app = adapter.routed({ store, authorize: () => true, scope: (req) => ({ userId: req.get('x-user') }) });
        const listed = await request(app).get('/audit-events').set('x-user', 'u2').expect(200);
        expect(minutes(listed)).to.deep.equal([3, 1]);
        const [own] = listed.body.events;
        expect((await request(app).get(`/audit-events/${own.id}`).set('x-user', 'u2').expect(200)).body.id).to.equal(
          own.id,
        );
        const missing = await request(app).get(`/audit-events/${own.id}`).set('x-user', 'u1').expect(404);
        expect(missing.body.error.code).to.equal('AUDIT_NOT_FOUND');
        const unscoped = await request(app).get('/audit-events').expect(500); // no x-user: { userId: undefined }
        expect(unscoped.body.code).to.equal('AUDIT_BAD_SCOPE');
      });
    }

    it('since/until take the CLI forms: ages like 7d, 24h, 30m and ISO dates', async () => {
      const app = open();
      const recent = await new AuditContext({ store, requestId: 'r-now' }).createEvent(
        { type: 'order', id: 9 },
        { minute: 'now' },
      );
      const ids = async (query) =>
        (await request(app).get('/audit-events').query(query).expect(200)).body.events.map((e) => e.id);
      expect(await ids({ since: '7d' })).to.deep.equal([recent.id]);
      expect(await ids({ since: '30m', contentType: 'order' })).to.deep.equal([recent.id]);
      expect(await ids({ until: '24h' })).to.have.length(5);
      expect(await ids({ since: '2024-05-01', until: '1h' })).to.have.length(5);
      const bad = await request(app).get('/audit-events?since=7y').expect(400);
      expect(bad.body.error.message).to.match(/^since must be .* or an age such as 30m, 12h, 7d, 2w$/);
    });

    it('fields: { exclude } leaves fields out of the listing and of /:id, and hidden fields cannot be filtered on', async () => {
      const draft = new AuditContext({
        store,
        user: { id: 'u3', repr: 'cy' },
        requestId: 'r-d',
        ip: '203.0.113.9',
        userAgent: 'curl',
      }).newEvent();
      draft.setContentObject({ type: 'order', id: 3 });
      draft.postData = { card: 'x' };
      const saved = await draft.save();
      const app = open({ fields: { exclude: ['postData', 'headers', 'ip', 'userAgent', 'userId', 'userRepr'] } });
      const res = await request(app).get('/audit-events').query({ objectId: '3' }).expect(200);
      expect(res.body.events).to.have.length(1);
      const [listed] = res.body.events;
      expect(listed).to.include({ id: saved.id, contentType: 'order', objectId: '3', requestId: 'r-d' });
      for (const hidden of ['postData', 'headers', 'ip', 'userAgent', 'userId', 'userRepr'])
        expect(listed, hidden).to.not.have.property(hidden);
      const one = await request(app).get(`/audit-events/${saved.id}`).expect(200);
      expect(one.body).to.deep.equal(listed);
      const probe = await request(app).get('/audit-events').query({ userId: 'u3' }).expect(400);
      expect(probe.body.error.message).to.match(/^userId cannot be filtered on here/);
      await request(app).get('/audit-events').query({ requestId: 'r-d' }).expect(200);
    });

    it('fields: { include } answers only those fields plus id and createdAt', async () => {
      const app = open({ fields: { include: ['contentType', 'objectId'] } });
      const res = await request(app).get('/audit-events').query({ limit: 2 }).expect(200);
      for (const event of res.body.events)
        expect(Object.keys(event).sort()).to.deep.equal(['contentType', 'createdAt', 'id', 'objectId']);
      expect(res.body.nextCursor).to.be.a('string');
      await request(app).get('/audit-events').query({ requestId: 'r-a' }).expect(400);
    });

    it('answers only its own path and one segment below it (an id)', async () => {
      const notFound = await request(open()).get('/audit-events/anything').expect(404);
      expect(notFound.body).to.deep.equal({ error: { code: 'AUDIT_NOT_FOUND', message: 'No such audit event' } });
      const passed = await request(open()).get('/audit-events/a/b').expect(404);
      expect(passed.body).to.not.have.property('error'); // the framework's own 404: not ours
      await request(open()).get('/elsewhere').expect(404);
      await request(open()).get('/audit-events/').expect(200);
    });
  });
}
