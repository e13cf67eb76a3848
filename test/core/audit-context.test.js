// AuditContext's event methods without any framework: newEvent/save, createEvent,
// createFieldsEvent, extraData ownership, and the typed errors for bad input.
import { expect } from 'chai';
import {
  AuditContext,
  InvalidEventError,
  MemoryEventStore,
  NoContentObjectError,
  NoEventStoreError,
  NotJsonSerializableError,
  configureEventStore,
  isEventId,
} from '@audit-events/core';
import { getEventStore } from '@audit-events/core/internal';

const order = { type: 'order', id: 1 };

describe('AuditContext event methods', () => {
  let store;
  beforeEach(() => {
    store = new MemoryEventStore();
  });
  afterEach(() => configureEventStore(null));

  function requestContext(extra = {}) {
    return new AuditContext({
      store,
      requestId: 'req-1',
      method: 'PUT',
      url: 'https://shop.example/orders/1?x=1',
      path: '/orders/1',
      ip: '192.0.2.1',
      userAgent: 'ua',
      user: { id: '7', repr: 'ann' },
      queryParams: { x: '1' },
      postData: { status: 'paid' },
      headers: { 'X-Team': 'blue' },
      ...extra,
    });
  }

  it('newEvent() copies every request field into an unsaved draft', async () => {
    const draft = requestContext().newEvent();
    expect(store.size).to.equal(0);
    expect(draft).to.include({
      userId: '7',
      userRepr: 'ann',
      url: 'https://shop.example/orders/1?x=1',
      method: 'PUT',
      ip: '192.0.2.1',
      requestId: 'req-1',
      userAgent: 'ua',
    });
    draft.setContentObject(order);
    draft.userRepr = 'changed before save';
    draft.createdAt = new Date('2024-01-02T03:04:05Z');
    const event = await draft.save();
    expect(store.size).to.equal(1);
    expect(isEventId(event.id)).to.equal(true);
    expect(event).to.deep.include({
      contentType: 'order',
      objectId: '1',
      userRepr: 'changed before save',
      queryParams: { x: '1' },
      postData: { status: 'paid' },
      headers: { 'X-Team': 'blue' },
      createdAt: new Date('2024-01-02T03:04:05Z'),
    });
    expect(store.all()[0]).to.deep.equal(event);
  });

  it('draft.save() twice stores the event once', async () => {
    const draft = requestContext().newEvent().setContentObject(order);
    const [a, b] = await Promise.all([draft.save(), draft.save()]);
    expect(a).to.equal(b);
    expect(store.size).to.equal(1);
  });

  it('createEvent(contentObject, content) stores and resolves to the stored event', async () => {
    const event = await requestContext().createEvent(order, { total: 12.5, when: new Date(0), big: 2n ** 70n });
    expect(event.content).to.deep.equal({
      total: 12.5,
      when: '1970-01-01T00:00:00.000Z',
      big: '1180591620717411303424',
    });
    expect((await store.find({ contentType: 'order', objectId: 1 })).events.map((e) => e.id)).to.deep.equal([event.id]);
  });

  it('createFieldsEvent copies the current field values; explicit content wins', async () => {
    const model = { type: 'order', id: 9, status: 'shipped', total: 40, lines: [{ sku: 'a' }] };
    const event = await requestContext().createFieldsEvent(model, ['status', 'total', 'lines'], { total: 0 });
    expect(event.content).to.deep.equal({ status: 'shipped', total: 0, lines: [{ sku: 'a' }] });
    model.lines[0].sku = 'changed later';
    expect(store.all()[0].content.lines[0].sku).to.equal('a');
  });

  it('createFieldsEvent rejects unknown or non-string field names', async () => {
    const ctx = requestContext();
    const err = await ctx.createFieldsEvent({ type: 'order', id: 1, status: 'x' }, ['stauts']).catch((e) => e);
    expect(err).to.be.instanceOf(InvalidEventError).with.property('code', 'AUDIT_BAD_EVENT');
    expect(err.message).to.include('stauts');
    await ctx.createFieldsEvent(order, [1]).then(
      () => expect.fail('should reject'),
      (e) => expect(e).to.be.instanceOf(InvalidEventError),
    );
    await ctx.createFieldsEvent(order, 'type').then(
      () => expect.fail('should reject'),
      (e) => expect(e).to.be.instanceOf(InvalidEventError),
    );
    expect(store.size).to.equal(0);
  });

  it('merges extraData into every event; per-event content wins', async () => {
    const ctx = requestContext({ extraData: { app: 'shop', region: 'eu' } });
    const a = await ctx.createEvent(order);
    const b = await ctx.createEvent(order, { region: 'us' });
    const c = await ctx.createFieldsEvent({ type: 'order', id: 2, region: 'apac' }, ['region']);
    expect([a.content, b.content, c.content]).to.deep.equal([
      { app: 'shop', region: 'eu' },
      { app: 'shop', region: 'us' },
      { app: 'shop', region: 'apac' },
    ]);
  });

  it('each context owns its extraData: neither contexts nor drafts share it', async () => {
    const shared = { tags: ['base'] };
    const one = new AuditContext({ store, extraData: shared });
    const two = new AuditContext({ store, extraData: shared });
    one.extraData.tags.push('one');
    one.extraData.only = 1;
    expect(two.extraData).to.deep.equal({ tags: ['base'] });
    expect(shared).to.deep.equal({ tags: ['base'] });
    const draft = one.newEvent();
    draft.content.tags.push('draft only');
    expect(one.extraData.tags).to.deep.equal(['base', 'one']);
  });

  it('a missing or undescribable content object is a NoContentObjectError; nothing is stored', async () => {
    const ctx = requestContext();
    for (const bad of [undefined, null, 'order-1', 42, {}, { type: 'order' }, { id: 1 }, { type: '', id: 1 }]) {
      const err = await ctx.createEvent(bad).catch((e) => e);
      expect(err, JSON.stringify(bad))
        .to.be.instanceOf(NoContentObjectError)
        .with.property('code', 'AUDIT_NO_CONTENT_OBJECT');
    }
    const draft = ctx.newEvent();
    await draft.save().then(
      () => expect.fail('saved without content object'),
      (e) => expect(e).to.be.instanceOf(NoContentObjectError),
    );
    expect(store.size).to.equal(0);
  });

  it('content that cannot be stored as JSON is a NotJsonSerializableError naming the path', async () => {
    const ctx = requestContext();
    const circular = { a: {} };
    circular.a.back = circular;
    const cases = [
      [{ nested: circular }, 'content.nested.a.back'],
      [{ list: [1, () => 2] }, 'content.list[1]'],
      [{ 'odd key': Symbol('s') }, 'content["odd key"]'],
    ];
    for (const [content, path] of cases) {
      const err = await ctx.createEvent(order, content).catch((e) => e);
      expect(err).to.be.instanceOf(NotJsonSerializableError).with.property('path', path);
    }
    const err = await ctx.createEvent(order, ['not', 'an', 'object']).catch((e) => e);
    expect(err).to.be.instanceOf(InvalidEventError);
    expect(store.size).to.equal(0);
  });

  it('without any store, creating an event is a NoEventStoreError (never a silent drop)', async () => {
    expect(getEventStore()).to.equal(null);
    const err = await new AuditContext().createEvent(order).catch((e) => e);
    expect(err).to.be.instanceOf(NoEventStoreError).with.property('code', 'AUDIT_NO_STORE');
  });

  it('configureEventStore sets the store of contexts that have none; null removes it', async () => {
    configureEventStore(store);
    expect(getEventStore()).to.equal(store);
    await new AuditContext().createEvent(order);
    expect(store.size).to.equal(1);
    configureEventStore(null);
    await new AuditContext().createEvent(order).catch((e) => expect(e).to.be.instanceOf(NoEventStoreError));
    expect(() => configureEventStore({ save() {} })).to.throw(/find/);
  });

  it('a store failure rejects the caller with the store error', async () => {
    const failing = {
      save: async () => {
        throw new Error('disk full');
      },
      find: async () => ({ events: [], nextCursor: null }),
    };
    const err = await new AuditContext({ store: failing }).createEvent(order).catch((e) => e);
    expect(err.message).to.equal('disk full');
  });

  it('reads a lazy user when each event is created', async () => {
    let user = null;
    const ctx = new AuditContext({ store, user: () => user });
    await ctx.createEvent(order);
    user = { id: 3, username: 'cy' };
    await ctx.createEvent(order);
    expect(store.all().map((e) => [e.userId, e.userRepr])).to.deep.equal([
      [null, null],
      ['3', 'cy'],
    ]);
  });

  it('a requestId function is called once, on first use, by whichever reader comes first', async () => {
    let calls = 0;
    const ctx = new AuditContext({ store, method: 'GET', requestId: () => `req-${++calls}` });
    expect(ctx.isBlank).to.equal(false);
    expect(calls).to.equal(0); // not made to answer isBlank: the method says it is a request
    await ctx.createEvent(order);
    expect(ctx.requestId).to.equal('req-1');
    expect(ctx.toJSON().requestId).to.equal('req-1');
    expect(store.all().map((e) => e.requestId)).to.deep.equal(['req-1']);
    expect(calls).to.equal(1);
    // A function that gives nothing settles on null: a blank context stays blank.
    expect(new AuditContext({ requestId: () => undefined }).isBlank).to.equal(true);
  });
});
