// Change events (issue 17, item 2) as a route records them: load, change, save, then
// createChangeEvent with the request's context (user, request id, the middleware's maskPostFields).
import { expect } from 'chai';
import request from 'supertest';
import { CHANGES_KEY, MASK, MemoryEventStore, getAuditContext } from '@audit-events/core';

class Order {
  static auditType = 'shop.order';
  constructor(fields) {
    Object.assign(this, fields);
  }
}

/** A tiny "table": what a route loads, changes and saves. */
function ordersTable() {
  const rows = new Map([
    [
      5,
      {
        id: 5,
        status: 'new',
        total: 10,
        items: [{ sku: 'A', qty: 1 }],
        payment: { iban: 'CH93 0076 2011 6238 5295 7', holder: 'Ann' },
      },
    ],
  ]);
  return {
    load: (id) => structuredClone(rows.get(id)),
    save: (row) => rows.set(row.id, structuredClone(row)),
  };
}

export function changeEventsSuite(adapter) {
  describe(`${adapter.name}: createChangeEvent inside a handler`, () => {
    let store;
    let table;
    beforeEach(() => {
      store = new MemoryEventStore();
      table = ordersTable();
    });

    function app(audit = {}) {
      return adapter.build({
        trustProxy: true,
        audit: { store, includePostData: true, getTenant: () => 'tenant-7', ...audit },
        parsers: ['json'],
        user: () => ({ id: 9, username: 'grace' }),
        handler: async ({ audit: ctx, body }) => {
          const before = table.load(5);
          const after = { ...structuredClone(before), ...body };
          table.save(after);
          // The current context (getAuditContext) is the request's: no req needed deep in a service.
          const event = await getAuditContext().createChangeEvent(new Order(after), before, after, { via: 'api' });
          return { event, same: getAuditContext() === ctx };
        },
      });
    }

    it('stores the patch with old values, the request and the user, sensitive values masked both sides', async () => {
      const res = await request(app())
        .patch('/orders/5')
        .set('X-Request-Id', 'chg-1')
        .send({
          status: 'paid',
          items: [
            { sku: 'A', qty: 2 },
            { sku: 'B', qty: 1 },
          ],
          payment: { iban: 'DE89 3704 0044 0532 0130 00', holder: 'Ann' },
        })
        .expect(200);
      expect(res.body.same).to.equal(true);
      expect(store.size).to.equal(1);
      const [event] = store.all();
      expect(event).to.include({
        contentType: 'shop.order',
        objectId: '5',
        userId: '9',
        userRepr: 'grace',
        requestId: 'chg-1',
        method: 'PATCH',
      });
      expect(event).to.include({
        action: 'shop.order.updated',
        outcome: 'success',
        tenantId: 'tenant-7',
        actorType: 'user',
      });
      expect(event.content.via).to.equal('api');
      expect(event.content[CHANGES_KEY]).to.have.deep.members([
        { op: 'replace', path: '/status', value: 'paid', old: 'new' },
        { op: 'replace', path: '/items/0/qty', value: 2, old: 1 },
        { op: 'add', path: '/items/-', value: { sku: 'B', qty: 1 } },
        { op: 'replace', path: '/payment/iban', value: MASK, old: MASK },
      ]);
      expect(JSON.stringify(store.all())).not.to.match(/CH93|DE89/);
    });

    it("the middleware's maskPostFields mask the patch too", async () => {
      await request(app({ maskPostFields: ['status'] }))
        .patch('/orders/5')
        .send({ status: 'paid' })
        .expect(200);
      expect(store.all()[0].content[CHANGES_KEY]).to.deep.equal([
        { op: 'replace', path: '/status', value: MASK, old: MASK },
      ]);
    });

    it('a save that changed nothing stores no event and the handler gets null', async () => {
      const res = await request(app()).patch('/orders/5').send({ status: 'new' }).expect(200);
      expect(res.body.event).to.equal(null);
      expect(store.size).to.equal(0);
    });

    it('bad snapshots are a typed error through the app error handler, nothing stored', async () => {
      const bad = adapter.build({
        audit: { store },
        handler: async ({ audit }) => audit.createChangeEvent(new Order({ id: 5 }), 'not a record', { id: 5 }),
      });
      const res = await request(bad).patch('/orders/5').expect(500);
      expect(res.body).to.include({ name: 'InvalidEventError', code: 'AUDIT_BAD_EVENT' });
      expect(store.size).to.equal(0);
    });
  });
}
