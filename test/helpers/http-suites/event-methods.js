// The context's event methods as a handler uses them (newEvent + save, createEvent,
// createFieldsEvent), and the typed errors a handler gets for bad input.
import { expect } from 'chai';
import request from 'supertest';
import { MemoryEventStore } from '@audit-events/core';

class Order {
  static auditType = 'shop.order';
  constructor(id, status, total) {
    this.id = id;
    this.status = status;
    this.total = total;
  }
}

export function eventMethodsSuite(adapter) {
  describe(`${adapter.name}: event methods inside a handler`, () => {
    let store;
    beforeEach(() => {
      store = new MemoryEventStore();
    });

    it('newEvent() drafts an event pre-filled from the request; save() stores it once', async () => {
      const app = adapter.build({
        trustProxy: true, // a trusted proxy's X-Request-Id is adopted: the test's marker
        audit: { store, includePostData: true },
        parsers: ['json'],
        user: () => ({ id: 9, username: 'grace' }),
        handler: async ({ audit }) => {
          const draft = audit.newEvent();
          draft.setContentObject(new Order(3, 'new', 10));
          draft.content.note = 'manual';
          draft.ip = '198.51.100.1'; // every field is settable before save
          const first = await draft.save();
          const again = await draft.save();
          return { same: first === again, event: first };
        },
      });
      const res = await request(app).post('/orders').set('X-Request-Id', 'nd-1').send({ total: 10 }).expect(200);
      expect(res.body.same).to.equal(true);
      expect(store.size).to.equal(1);
      expect(store.all()[0]).to.include({
        contentType: 'shop.order',
        objectId: '3',
        userId: '9',
        userRepr: 'grace',
        requestId: 'nd-1',
        ip: '198.51.100.1',
        method: 'POST',
      });
      expect(store.all()[0].content).to.deep.equal({ note: 'manual' });
      expect(store.all()[0].postData).to.deep.equal({ total: 10 });
    });

    it('createFieldsEvent copies the named fields; explicit content wins', async () => {
      const app = adapter.build({
        audit: { store },
        handler: async ({ audit }) =>
          audit.createFieldsEvent(new Order(4, 'paid', 25), ['status', 'total'], {
            status: 'refunded',
            reason: 'duplicate',
          }),
      });
      await request(app).patch('/orders/4').expect(200);
      expect(store.all()[0].content).to.deep.equal({ status: 'refunded', total: 25, reason: 'duplicate' });
    });

    it('a missing content object is a typed error and stores nothing', async () => {
      const app = adapter.build({ audit: { store }, handler: async ({ audit }) => audit.createEvent(undefined) });
      const res = await request(app).get('/').expect(500);
      expect(res.body).to.include({ name: 'NoContentObjectError', code: 'AUDIT_NO_CONTENT_OBJECT' });
      expect(store.size).to.equal(0);
    });

    it('content that is not JSON is a typed error naming the path', async () => {
      const app = adapter.build({
        audit: { store },
        handler: async ({ audit }) => {
          const loop = { name: 'x' };
          loop.self = loop;
          return audit.createEvent({ type: 'order', id: 1 }, { items: [loop] });
        },
      });
      const res = await request(app).get('/').expect(500);
      expect(res.body).to.include({ code: 'AUDIT_NOT_JSON', path: 'content.items[0].self' });
      expect(store.size).to.equal(0);
    });
  });
}
