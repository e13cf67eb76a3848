// Issue 17, the middleware side of the audit model: getTenant / getActor (read lazily, getActor
// winning over getUser), the per-event { action, outcome, reason, tenantId } options through a
// request's context, reason masking, and getters that throw or return the wrong type failing only
// the event that needed them (a typed error), never the request.
import { expect } from 'chai';
import request from 'supertest';
import { ConfigurationError, MemoryEventStore } from '@audit-events/core';

const order = { type: 'order', id: 1 };
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXBhcnQ';

export function auditModelSuite(adapter) {
  describe(`${adapter.name}: tenant, actor, action, outcome and reason (issue 17)`, () => {
    let store;
    beforeEach(() => {
      store = new MemoryEventStore();
    });

    // The framework's request object as the getters receive it: Express req, Koa ctx.
    const userOf = (req) => (adapter.framework === 'koa' ? req.state.user : req.user);
    const headerOf = (req, name) => (adapter.framework === 'koa' ? req.get(name) : req.headers[name]) || undefined;
    const user = (headers) =>
      headers['x-user']
        ? { id: Number(headers['x-user']), username: `user${headers['x-user']}`, org: headers['x-org'] }
        : undefined;

    it('reads the tenant and the actor lazily, from an auth middleware registered after the audit one', async () => {
      const app = adapter.build({
        audit: {
          store,
          getTenant: (req) => userOf(req)?.org ?? null,
          getActor: (req) =>
            headerOf(req, 'x-api-key') ? { type: 'api_key', id: headerOf(req, 'x-api-key'), repr: 'CI key' } : null,
        },
        user,
        handler: ({ audit }) => audit.createEvent(order, { n: 1 }, { action: 'order.created' }).then((e) => e.id),
      });
      await request(app).get('/').set('X-User', '5').set('X-Org', 'acme').expect(200);
      await request(app).get('/').set('X-User', '6').set('X-Org', 'globex').set('X-Api-Key', 'key-9').expect(200);
      await request(app).get('/').expect(200);
      const [person, key, anonymous] = store.all();
      expect(person).to.include({
        tenantId: 'acme',
        actorType: 'user',
        userId: '5',
        userRepr: 'user5',
        action: 'order.created',
        outcome: 'success',
        reason: null,
      });
      // getActor wins over the user for userId/userRepr/actorType; the tenant still comes from getTenant.
      expect(key).to.include({ tenantId: 'globex', actorType: 'api_key', userId: 'key-9', userRepr: 'CI key' });
      expect(anonymous).to.include({ tenantId: null, actorType: 'anonymous', userId: null, userRepr: null });
      expect((await store.find({ tenantId: 'acme' })).events.map((e) => e.id)).to.deep.equal([person.id]);
      expect((await store.find({ actorType: 'api_key' })).events.map((e) => e.id)).to.deep.equal([key.id]);
    });

    it('takes action, outcome, reason and a per-event tenant, masking secrets in the reason', async () => {
      const app = adapter.build({
        audit: { store, getTenant: () => 'acme' },
        handler: async ({ audit }) => {
          await audit.createEvent(
            order,
            {},
            { action: 'order.refund', outcome: 'denied', reason: `token ${JWT} expired; password=hunter2` },
          );
          await audit.createFieldsEvent(
            { ...order, total: 5 },
            ['total'],
            {},
            { action: 'order.updated', tenantId: 'globex' },
          );
          const draft = audit.newEvent({ outcome: 'failure' }).setContentObject(order);
          draft.reason = 'card 4111 1111 1111 1111 declined';
          draft.actorType = 'system';
          await draft.save();
          return audit.tenantId;
        },
      });
      const res = await request(app).get('/').expect(200);
      expect(res.body).to.equal('acme');
      const [refund, updated, failed] = store.all();
      expect(refund).to.include({
        tenantId: 'acme',
        action: 'order.refund',
        outcome: 'denied',
        reason: 'token ******** expired; password=********',
      });
      expect(updated).to.include({ tenantId: 'globex', action: 'order.updated', outcome: 'success' });
      expect(updated.content).to.deep.equal({ total: 5 });
      expect(failed).to.include({
        tenantId: 'acme',
        outcome: 'failure',
        actorType: 'system',
        reason: 'card ******** declined',
      });
    });

    it('a getter that throws or returns a wrong type fails only the event that needed it, with a typed error', async () => {
      const app = adapter.build({
        audit: {
          store,
          getTenant: (req) => {
            const mode = headerOf(req, 'x-mode');
            if (mode === 'throw') throw new Error('tenant lookup down');
            return mode === 'number' ? 42 : 'acme';
          },
          getActor: (req) => (headerOf(req, 'x-mode') === 'robot' ? { type: 'robot', id: 'r2' } : null),
        },
        handler: ({ audit, headers }) =>
          headers['x-create'] === 'no'
            ? 'no event'
            : audit.createEvent(order).then(
                () => 'stored',
                (err) => ({ name: err.name, code: err.code ?? null, message: err.message }),
              ),
      });
      // No event created: the getters never run, whatever they would do.
      for (const mode of ['throw', 'number', 'robot']) {
        expect((await request(app).get('/').set('X-Mode', mode).set('X-Create', 'no').expect(200)).body).to.equal(
          'no event',
        );
      }
      const answer = async (mode) => (await request(app).get('/').set('X-Mode', mode).expect(200)).body;
      expect(await answer('throw')).to.include({ name: 'Error', message: 'tenant lookup down' });
      expect(await answer('number')).to.deep.include({ name: 'InvalidEventError', code: 'AUDIT_BAD_EVENT' });
      expect((await answer('number')).message).to.match(/^getTenant must be a string or null/);
      expect((await answer('robot')).message).to.match(/^getActor\.type must be one of user, service, api_key/);
      expect(store.size, 'nothing stored from a failed getter').to.equal(0);
      expect(await answer('fine')).to.equal('stored');
      expect(store.all()[0]).to.include({ tenantId: 'acme', actorType: 'anonymous' });
    });

    it('checks getTenant and getActor when the middleware is created', () => {
      for (const bad of [{ getTenant: 'tenant' }, { getActor: { type: 'user' } }]) {
        expect(() => adapter.build({ audit: { store, ...bad }, handler: () => null })).to.throw(
          ConfigurationError,
          /must be a function/,
        );
      }
    });
  });
}
