// Issue 16, item 9, through a real framework request: event content, extraData and permission
// metadata are masked with the app's own masking configuration (the middleware's maskPostFields),
// exactly as the captured body is; `{ maskContent: false }` stores raw content on request.
import { expect } from 'chai';
import request from 'supertest';
import {
  MASK,
  MemoryAuditLogger,
  MemoryEventStore,
  configureAuditLogger,
  configureMasking,
  definePermission,
  serializeEvent,
} from '@audit-events/core';

const BEARER = 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';
const order = { type: 'order', id: 7 };

// An operation-level check: one decision per call, whatever the body holds.
const Note = definePermission({ manager: 'Note', delete: ['isAuthenticated'] });

export function contentMaskingSuite(adapter) {
  describe(`${adapter.name}: content, extraData and permission metadata are masked like the body`, () => {
    let store;
    let logger;
    beforeEach(() => {
      store = new MemoryEventStore();
      logger = new MemoryAuditLogger();
      configureAuditLogger(logger);
    });
    afterEach(() => configureAuditLogger(null));

    it('content { password, session, auth: Bearer … } from a route is stored masked', async () => {
      const app = adapter.build({
        audit: { store, includePostData: true },
        parsers: ['json'],
        handler: async ({ audit, body }) =>
          audit.createEvent(order, { password: body.password, session: 'sess-1', auth: BEARER, status: 'paid' }),
      });
      const res = await request(app).post('/orders/7').send({ password: 'hunter2' }).expect(200);
      const [event] = store.all();
      expect(event.content).to.deep.equal({ password: MASK, session: MASK, auth: MASK, status: 'paid' });
      expect(event.postData).to.deep.equal({ password: MASK });
      expect(res.body.content).to.deep.equal(event.content);
      expect(JSON.stringify(event)).not.to.include('hunter2').and.not.to.include('sess-1').and.not.to.include('eyJ');
    });

    it("the app's maskPostFields masks content, extraData and metadata as it masks the body", async () => {
      const app = adapter.build({
        audit: {
          store,
          includePostData: true,
          maskPostFields: ['internal_note'],
          extraData: { tenant: 'acme', internal_note: 'from extraData' },
        },
        parsers: ['json'],
        user: () => ({ id: 1, username: 'ann' }),
        handler: async ({ audit, body }) => {
          await Note.checkDelete({ id: 3 }, { metadata: { internal_note: body.internal_note, ticket: 'T-1' } });
          return audit.createEvent(order, { internal_note: body.internal_note, title: body.title });
        },
      });
      await request(app).post('/notes/3').send({ title: 'Q3', internal_note: 'fraud suspected' }).expect(200);
      const [event] = store.all();
      expect(event.postData).to.deep.equal({ title: 'Q3', internal_note: MASK });
      expect(event.content).to.deep.equal({ tenant: 'acme', internal_note: MASK, title: 'Q3' });
      expect(logger.events).to.have.length(1);
      // Masked in the event itself (what a custom logger sees), and in every serialised form.
      expect(logger.events[0].metadata).to.include({ internal_note: MASK, ticket: 'T-1' });
      expect(serializeEvent(logger.events[0]).metadata).to.include({
        internal_note: MASK,
        ticket: 'T-1',
        method: 'POST',
      });
      expect(JSON.stringify(serializeEvent(logger.events[0]))).not.to.include('fraud');
    });

    it('configureMasking() fields reach the captured body, query, URL, content and metadata of every request', async () => {
      configureMasking({ fields: ['internal_note'] });
      try {
        const app = adapter.build({
          audit: { store, includePostData: true, includeQueryParams: true },
          parsers: ['json'],
          user: () => ({ id: 1, username: 'ann' }),
          handler: async ({ audit, body }) => {
            await Note.checkDelete({ id: 3 }, { metadata: { internal_note: body.internal_note } });
            return audit.createEvent(order, { internal_note: body.internal_note });
          },
        });
        await request(app).post('/notes/3?internal_note=q').send({ internal_note: 'fraud suspected' }).expect(200);
        const [event] = store.all();
        expect(event.postData).to.deep.equal({ internal_note: MASK });
        expect(event.queryParams).to.deep.equal({ internal_note: MASK });
        expect(event.url).to.match(/\?internal_note=\*{8}$/);
        expect(event.content).to.deep.equal({ internal_note: MASK });
        expect(serializeEvent(logger.events[0]).metadata).to.include({ internal_note: MASK });
      } finally {
        configureMasking();
      }
    });

    it('replaceDefaultMaskedFields applies to content and metadata too: one rule set for the request', async () => {
      const app = adapter.build({
        audit: { store, includePostData: true, maskPostFields: ['internal_note'], replaceDefaultMaskedFields: true },
        parsers: ['json'],
        user: () => ({ id: 1, username: 'ann' }),
        handler: async ({ audit, body }) => {
          await Note.checkDelete({ id: 3 }, { metadata: { token: body.token, internal_note: 'n' } });
          return audit.createEvent(order, { token: body.token, internal_note: 'n' });
        },
      });
      await request(app).post('/notes/3').send({ token: 'not-a-secret-here', internal_note: 'n' }).expect(200);
      const [event] = store.all();
      expect(event.postData).to.deep.equal({ token: 'not-a-secret-here', internal_note: MASK });
      expect(event.content).to.deep.equal({ token: 'not-a-secret-here', internal_note: MASK });
      expect(serializeEvent(logger.events[0]).metadata).to.include({ token: 'not-a-secret-here', internal_note: MASK });
    });

    it('{ maskContent: false } stores the raw content of that one event', async () => {
      const app = adapter.build({
        audit: { store, maskPostFields: ['internal_note'] },
        handler: async ({ audit }) => {
          await audit.createEvent(order, { internal_note: 'raw on purpose', session: 's' }, { maskContent: false });
          return audit.createEvent(order, { internal_note: 'masked again', session: 's' });
        },
      });
      await request(app).post('/orders/7').expect(200);
      const [raw, masked] = store.all();
      expect(raw.content).to.deep.equal({ internal_note: 'raw on purpose', session: 's' });
      expect(masked.content).to.deep.equal({ internal_note: MASK, session: MASK });
    });

    it('a background job carrying the context (toJSON) gets masked extraData in its payload', async () => {
      const app = adapter.build({
        audit: { store, maskPostFields: ['internal_note'], extraData: { internal_note: 'n', tenant: 'acme' } },
        handler: async ({ audit }) => audit.toJSON(),
      });
      const res = await request(app).post('/orders/7').expect(200);
      expect(res.body.extraData).to.deep.equal({ internal_note: MASK, tenant: 'acme' });
    });
  });
}
