// Scoped reading: tenant A's reader never sees tenant B's events, whatever the query string, the
// path or the cursor, on the memory store and on KnexEventStore over every dialect. Lookalike
// tenant ids (case, trailing space, accents) are seeded on purpose: a loose comparison anywhere
// (a MySQL PAD SPACE collation, a case-folding filter) would show up as a leak. A scope function
// that fails or answers nonsense is a 500 through the app's error handler, never an answer.
import { expect } from 'chai';
import fc from 'fast-check';
import request from 'supertest';
import { AuditContext, MemoryEventStore } from '@audit-events/core';
import { KnexEventStore } from '@audit-events/knex';
import { forEachDialect, uniqueTable } from '../databases.js';

const PROPERTY_RUNS = 150;
const T0 = Date.parse('2024-05-01T10:00:00.000Z');
const A = 'tenant-a';
/** Other tenants, each one a lookalike of A that some comparison could confuse with it. */
const OTHERS = ['tenant-b', 'TENANT-A', 'Tenant-a', 'tenant-a ', ' tenant-a', 'tenant-à', 'tenant-ａ'];
const SESSIONS = { 'Bearer reader-a': A, 'Bearer reader-b': 'tenant-b' };

/** Events of A and of every other tenant (and some without a tenant), sharing users and types. */
async function seed(store) {
  const byTenant = new Map();
  const tenants = [A, ...OTHERS, null];
  let minute = 0;
  for (const tenantId of tenants) {
    for (let i = 0; i < 3; i++) {
      const draft = new AuditContext({
        store,
        user: { id: `u${i}`, repr: `user ${i}` },
        requestId: `r-${i}`,
      }).newEvent();
      draft.setContentObject({ type: i === 2 ? 'invoice' : 'order', id: i });
      draft.createdAt = new Date(T0 + minute++ * 60_000);
      draft.content = { tenant: tenantId, i };
      draft.tenantId = tenantId;
      draft.action = i === 0 ? 'order.created' : 'order.updated';
      draft.outcome = i === 1 ? 'denied' : 'success';
      draft.actorType = i === 2 ? 'api_key' : 'user';
      const saved = await draft.save();
      byTenant.set(tenantId, [...(byTenant.get(tenantId) ?? []), saved]);
    }
  }
  return byTenant;
}

const readerScope = async (req) => {
  const tenantId = SESSIONS[req.headers.authorization];
  await new Promise((resolve) => setImmediate(resolve)); // a session lookup
  return { tenantId };
};

export function eventsRouterScopeSuite(adapters, title) {
  describe(`${title}: auditEventsRouter scope over the memory store`, () => {
    scopeCases(adapters, async () => new MemoryEventStore());
  });
  forEachDialect(`${title}: auditEventsRouter scope over KnexEventStore`, (ctx) => {
    const tables = [];
    describe('over a seeded table', () => {
      after(async () => {
        for (const name of tables) await ctx.knex?.schema.dropTableIfExists(name);
      });
      scopeCases(adapters, async () => {
        const tableName = uniqueTable('ae_scope');
        tables.push(tableName, `${tableName}_arc`);
        const store = new KnexEventStore(ctx.knex, { tableName, archiveTableName: `${tableName}_arc` });
        await store.migrate();
        return store;
      });
    });
  });
}

function scopeCases(adapters, makeStore) {
  let store;
  let byTenant;
  /** Cursors and ids of other scopes, to be replayed by A's reader. */
  const foreign = { ids: [], cursors: [] };
  before(async function () {
    this.timeout(60_000);
    store = await makeStore();
    byTenant = await seed(store);
    for (const [tenantId, events] of byTenant) if (tenantId !== A) foreign.ids.push(...events.map((e) => e.id));
    for (const tenantId of ['tenant-b', 'TENANT-A']) {
      const page = await store.find({ tenantId, limit: 1 });
      foreign.cursors.push(page.nextCursor);
    }
    const all = await store.find({ limit: 5 });
    foreign.cursors.push(all.nextCursor);
  });

  for (const adapter of adapters) {
    describe(adapter.name, () => {
      const reader = (extra = {}) => adapter.router({ store, authorize: () => true, scope: readerScope, ...extra });
      const asA = (app, path) => request(app).get(path).set('Authorization', 'Bearer reader-a');
      const aIds = () =>
        byTenant
          .get(A)
          .map((e) => e.id)
          .reverse();

      it("lists exactly its own tenant's events; a scoped key with another value is an empty page", async () => {
        const app = reader();
        const own = await asA(app, '/audit-events').expect(200);
        expect(own.body.events.map((e) => e.id)).to.deep.equal(aIds());
        expect((await asA(app, '/audit-events?tenantId=tenant-a').expect(200)).body.events).to.have.length(3);
        for (const other of OTHERS) {
          const res = await asA(app, `/audit-events?tenantId=${encodeURIComponent(other)}`).expect(200);
          expect(res.body, other).to.deep.equal({ events: [], nextCursor: null });
        }
        const b = await request(app).get('/audit-events').set('Authorization', 'Bearer reader-b').expect(200);
        expect(b.body.events.map((e) => e.tenantId)).to.deep.equal(['tenant-b', 'tenant-b', 'tenant-b']);
      });

      it('narrows with the new filters inside the scope: action, outcome, actorType', async () => {
        const app = reader();
        const ids = async (query) =>
          (await asA(app, `/audit-events?${query}`).expect(200)).body.events.map((e) => e.content.i);
        expect(await ids('action=order.created')).to.deep.equal([0]);
        expect(await ids('outcome=denied')).to.deep.equal([1]);
        expect(await ids('actorType=api_key')).to.deep.equal([2]);
        expect(await ids('action=order.updated&outcome=success')).to.deep.equal([2]);
        for (const bad of [
          'outcome=ok',
          'actorType=robot',
          `action=${'a'.repeat(201)}`,
          `tenantId=${'t'.repeat(256)}`,
        ]) {
          expect((await asA(app, `/audit-events?${bad}`).expect(400)).body.error.code, bad).to.equal('AUDIT_BAD_QUERY');
        }
      });

      it("GET /:id of another tenant's event is the same 404 as a missing one", async () => {
        const app = reader();
        const [own] = byTenant.get(A);
        expect((await asA(app, `/audit-events/${own.id}`).expect(200)).body).to.include({ id: own.id, tenantId: A });
        const missing = await asA(app, '/audit-events/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b').expect(404);
        for (const id of foreign.ids) {
          const res = await asA(app, `/audit-events/${id}`);
          expect(res.status, id).to.equal(404);
          expect(res.text, id).to.equal(missing.text);
        }
      });

      it("pages within the scope, even with another scope's cursor", async () => {
        const app = reader();
        const seen = [];
        let cursor = '';
        do {
          const res = await asA(app, `/audit-events?limit=2&cursor=${cursor}`).expect(200);
          seen.push(...res.body.events.map((e) => e.id));
          cursor = res.body.nextCursor ?? '';
        } while (cursor !== '' && seen.length < 20);
        expect(seen).to.deep.equal(aIds());
        for (const foreignCursor of foreign.cursors) {
          const res = await asA(app, `/audit-events?cursor=${foreignCursor}`).expect(200);
          for (const event of res.body.events) expect(event.tenantId).to.equal(A);
        }
      });

      it('a scope that throws, rejects or answers something other than filters is a 500 through the error handler; the store is not asked', async () => {
        let asked = 0;
        const counting = { find: (query) => (asked++, store.find(query)) };
        const bad = [
          () => {
            throw new Error('session store down');
          },
          async () => Promise.reject(new Error('session store down')),
          () => undefined,
          () => null,
          () => 'tenant-a',
          () => [{ tenantId: A }],
          () => ({}),
          () => ({ tenantId: undefined }),
          () => ({ tenantId: null }),
          () => ({ tenantId: { toString: () => A } }),
          () => ({ tenantId: true }),
          () => ({ tenantId: '' }),
          () => ({ tenantId: [A] }),
          () => ({ tenantID: A }),
          () => ({ tenantId: A, limit: 1000 }),
          () => ({ outcome: 'maybe' }),
          async () => ({ actorType: 'robot' }),
          () =>
            new (class Scope {
              tenantId = A;
            })(),
        ];
        for (const [i, scope] of bad.entries()) {
          const app = adapter.router({ store: counting, authorize: () => true, scope });
          for (const path of ['/audit-events', `/audit-events/${byTenant.get(A)[0].id}`]) {
            const res = await request(app).get(path);
            expect(res.status, `scope #${i} ${path}`).to.equal(500);
            expect(res.body, `scope #${i}`).to.not.have.property('events');
            expect(res.body, `scope #${i}`).to.not.have.property('id');
            if (i > 1) expect(res.body.code, `scope #${i}`).to.equal('AUDIT_BAD_SCOPE');
            else expect(res.body.message).to.equal('session store down');
          }
        }
        expect(asked).to.equal(0);
      });

      it('end to end: getTenant stamps the events a request records, the scoped router shows each tenant its own', async () => {
        const tenantOf = (headers) => headers['x-tenant'] ?? null;
        const app = adapter.build({
          audit: { store, getTenant: (req) => tenantOf(req.headers) },
          handler: async ({ audit }) =>
            (await audit.createEvent({ type: 'order', id: 7 }, {}, { action: 'order.created' })).id,
        });
        const tenants = [`acme-${adapter.name}`, `globex-${adapter.name}`];
        const made = {};
        for (const tenant of tenants) {
          made[tenant] = [];
          for (let i = 0; i < 2; i++)
            made[tenant].push((await request(app).post('/orders').set('x-tenant', tenant).expect(200)).body);
        }
        const router = adapter.router({
          store,
          authorize: () => true,
          scope: (req) => ({ tenantId: tenantOf(req.headers) }),
        });
        for (const tenant of tenants) {
          const res = await request(router)
            .get('/audit-events?action=order.created')
            .set('x-tenant', tenant)
            .expect(200);
          expect(res.body.events.map((e) => e.id).sort()).to.deep.equal([...made[tenant]].sort());
          for (const event of res.body.events)
            expect(event).to.include({ tenantId: tenant, action: 'order.created', outcome: 'success' });
          const other = tenants.find((t) => t !== tenant);
          await request(router).get(`/audit-events/${made[other][0]}`).set('x-tenant', tenant).expect(404);
        }
        const noTenant = await request(router).get('/audit-events').expect(500); // getTenant found none: { tenantId: null }
        expect(noTenant.body.code).to.equal('AUDIT_BAD_SCOPE');
      });

      it(`property: no combination of query parameters, ids and cursors shows A's reader another tenant's event (${PROPERTY_RUNS} runs)`, async function () {
        this.timeout(300_000);
        const app = reader();
        // Weighted towards the dangerous cases: the scoped key itself, other tenants' values and ids.
        const key = fc.oneof(
          { weight: 4, arbitrary: fc.constant('tenantId') },
          {
            weight: 3,
            arbitrary: fc.constantFrom(
              'userId',
              'contentType',
              'objectId',
              'requestId',
              'action',
              'outcome',
              'actorType',
              'since',
              'until',
              'limit',
              'cursor',
              'tenantId[]',
              'tenantId[0]',
              'tenantId[$ne]',
              'TenantId',
              'tenantid',
              'tenant_id',
              'tenantId ',
              '%74enantId',
              'tenantId%00',
              '__proto__',
              '__proto__[tenantId]',
              'constructor[prototype][tenantId]',
              'hasOwnProperty',
              'scope',
              'id',
            ),
          },
        );
        const value = fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom(A, ...OTHERS) },
          {
            weight: 2,
            arbitrary: fc.constantFrom(...foreign.ids, ...byTenant.get(A).map((e) => e.id), ...foreign.cursors),
          },
          {
            weight: 2,
            arbitrary: fc.constantFrom(
              '',
              '*',
              '%',
              '_',
              'null',
              'undefined',
              "' OR 1=1 --",
              'u0',
              'u1',
              'order',
              'invoice',
              '1',
              '0',
              'order.created',
              'denied',
              'success',
              'api_key',
              'user',
              '7d',
              '2024-05-01',
              '2024-05-01T10:05Z',
              '50',
            ),
          },
        );
        const encode = fc.constantFrom('raw', 'encoded', 'double');
        const spell = (text, how) =>
          how === 'raw'
            ? text.replace(/[&#\s]/g, encodeURIComponent)
            : how === 'encoded'
              ? encodeURIComponent(text)
              : encodeURIComponent(encodeURIComponent(text));
        const pair = fc.tuple(key, value, encode);
        const path = fc.oneof(
          { weight: 4, arbitrary: fc.constant('/audit-events') },
          {
            weight: 2,
            arbitrary: fc
              .constantFrom(...foreign.ids, ...byTenant.get(A).map((e) => e.id))
              .map((id) => `/audit-events/${id}`),
          },
          { weight: 1, arbitrary: fc.constantFrom(...OTHERS).map((t) => `/audit-events/${encodeURIComponent(t)}`) },
        );
        let answered = 0;
        await fc.assert(
          fc.asyncProperty(path, fc.array(pair, { minLength: 0, maxLength: 4 }), async (base, pairs) => {
            const query = pairs.map(([key, value, how]) => `${key}=${spell(value, how)}`).join('&');
            const url = query === '' ? base : `${base}?${query}`;
            const res = await asA(app, url);
            expect([200, 400, 404], `${url}: ${res.text.slice(0, 200)}`).to.include(res.status);
            if (res.status !== 200) return;
            const events = base === '/audit-events' ? res.body.events : [res.body];
            for (const event of events) {
              expect(event.tenantId, url).to.equal(A);
              expect(event.content.tenant, url).to.equal(A);
            }
            answered += events.length;
          }),
          { numRuns: PROPERTY_RUNS, endOnFailure: true },
        );
        expect(answered, "A's own events were answered in some runs").to.be.above(0);
      });
    });
  }
}
