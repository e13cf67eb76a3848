// Issue 17, the core of the audit model: the fields every event carries (tenantId, actorType,
// action, outcome, reason), their defaults, their checks, the context's tenant and actor (and their
// trip through toJSON/fromJSON), reason masking, the new find() filters on the memory store, and the
// NATS wire format (older producers' messages decode with the defaults; bad values are poison).
import { expect } from 'chai';
import {
  ACTOR_TYPES,
  AuditContext,
  FieldMasker,
  InvalidEventError,
  InvalidQueryError,
  MASK,
  MemoryEventStore,
  OUTCOMES,
} from '@audit-events/core';
import { checkActor, maskFreeText, normalizeQuery } from '@audit-events/core/internal';
import { decodeEvent, encodeEvent } from '@audit-events/nats';

const order = { type: 'order', id: 7 };
const rejection = (promise) =>
  promise.then(
    () => null,
    (err) => err,
  );

describe('audit model (issue 17)', () => {
  describe('event fields and defaults', () => {
    it('defaults: outcome success, actorType user with a user and anonymous without, the rest null', async () => {
      const store = new MemoryEventStore();
      const withUser = await new AuditContext({ store, user: { id: 3, username: 'ann' } }).createEvent(order);
      const anonymous = await new AuditContext({ store }).createEvent(order);
      expect(withUser).to.include({
        tenantId: null,
        actorType: 'user',
        userId: '3',
        userRepr: 'ann',
        action: null,
        outcome: 'success',
        reason: null,
      });
      expect(anonymous).to.include({ actorType: 'anonymous', userId: null, outcome: 'success' });
    });

    it('the context tenant and actor go on every event; an event tenant wins; the actor fills userId/userRepr', async () => {
      const store = new MemoryEventStore();
      let tenant = 'acme';
      const ctx = new AuditContext({
        store,
        tenantId: () => tenant,
        user: { id: 1, repr: 'person' },
        actor: { type: 'agent', id: 'bot-1', repr: 'Support bot' },
      });
      expect(ctx.actor()).to.deep.equal({ type: 'agent', id: 'bot-1', repr: 'Support bot' });
      expect(ctx.actorType).to.equal('agent');
      const first = await ctx.createEvent(order, { a: 1 }, { action: 'ticket.answered' });
      tenant = 'globex'; // read on every use, like the user
      const second = await ctx.createEvent(order, {}, { tenantId: 'initech', outcome: 'failure', reason: 'timeout' });
      const third = await ctx.createEvent(order, {}, { tenantId: null });
      expect(first).to.include({
        tenantId: 'acme',
        actorType: 'agent',
        userId: 'bot-1',
        userRepr: 'Support bot',
        action: 'ticket.answered',
      });
      expect(second).to.include({ tenantId: 'initech', outcome: 'failure', reason: 'timeout' });
      expect(third.tenantId).to.equal(null);
      expect(ctx.user).to.deep.equal({ id: '1', repr: 'person' }); // the user is still the user
    });

    it('every value set is checked, with an InvalidEventError naming the field, before the store sees it', async () => {
      const store = new MemoryEventStore();
      const ctx = new AuditContext({ store });
      for (const [options, message] of [
        [{ outcome: 'maybe' }, /^outcome must be one of success, failure, denied/],
        [{ action: 'x'.repeat(201) }, /^action must be at most 200 characters/],
        [{ action: '' }, /^action must not be empty/],
        [{ tenantId: 7 }, /^tenantId must be a string or null, not number/],
        [{ reason: 12 }, /^reason must be a string or null/],
        [{ maskContent: 'no' }, /^maskContent must be a boolean/],
        [null, /^event options must be an object/],
      ]) {
        const err = await rejection(ctx.createEvent(order, {}, options));
        expect(err, JSON.stringify(options)).to.be.instanceOf(InvalidEventError);
        expect(err.message).to.match(message);
      }
      const draft = ctx.newEvent().setContentObject(order);
      draft.tenantId = ['a'];
      expect((await rejection(draft.save())).message).to.match(/^tenantId must be a string/);
      expect(store.size).to.equal(0);
      expect(() => new AuditContext({ tenantId: 5 })).to.throw(InvalidEventError, /^tenantId/);
      expect(() => new AuditContext({ actor: { type: 'robot' } })).to.throw(
        InvalidEventError,
        /^actor\.type must be one of/,
      );
      expect(() => checkActor({ type: 'user', id: { x: 1 } })).to.throw(
        InvalidEventError,
        /^actor\.id must be a string/,
      );
      expect(checkActor({ type: 'service', id: 12 })).to.deep.equal({ type: 'service', id: '12', repr: null });
      expect(ACTOR_TYPES).to.deep.equal(['user', 'service', 'api_key', 'system', 'agent', 'anonymous']);
      expect(OUTCOMES).to.deep.equal(['success', 'failure', 'denied']);
    });
  });

  describe('toJSON / fromJSON', () => {
    it('carries the tenant and a given actor, and restores them', async () => {
      const ctx = new AuditContext({
        requestId: 'r1',
        tenantId: 'acme',
        actor: { type: 'api_key', id: 'k1', repr: 'key one' },
      });
      const json = JSON.parse(JSON.stringify(ctx.toJSON()));
      expect(json).to.include({ tenantId: 'acme' });
      expect(json.actor).to.deep.equal({ type: 'api_key', id: 'k1', repr: 'key one' });
      const store = new MemoryEventStore();
      const event = await AuditContext.fromJSON(json, { store }).createEvent(order);
      expect(event).to.include({
        tenantId: 'acme',
        actorType: 'api_key',
        userId: 'k1',
        userRepr: 'key one',
        requestId: 'r1',
      });
    });

    it('leaves payloads without them as they were, and reads old payloads with the defaults', async () => {
      const json = new AuditContext({ user: { id: 2, repr: 'bo' } }).toJSON();
      expect(json).not.to.have.any.keys('tenantId', 'actor');
      const restored = AuditContext.fromJSON(json);
      expect(restored.tenantId).to.equal(null);
      expect(restored.actor()).to.deep.equal({ type: 'user', id: '2', repr: 'bo' });
    });

    it('refuses a payload whose tenant or actor has the wrong shape', () => {
      for (const bad of [
        { tenantId: 3 },
        { tenantId: '' },
        { actor: { type: 'robot' } },
        { actor: 'user' },
        { actor: { type: 'user', id: 5 } },
      ]) {
        expect(() => AuditContext.fromJSON(bad), JSON.stringify(bad)).to.throw(
          TypeError,
          /AuditContext\.fromJSON: (tenantId|actor)/,
        );
      }
    });
  });

  describe('reason masking', () => {
    const masker = new FieldMasker();
    it('masks JWTs, credentials, card numbers and sensitive name=value pairs inside free text', () => {
      const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXBhcnQ';
      expect(maskFreeText(`rejected ${jwt}.`, masker)).to.equal(`rejected ${MASK}.`);
      expect(maskFreeText('header was Bearer abcdefgh12345678 (expired)', masker)).to.equal(
        `header was Bearer ${MASK} (expired)`,
      );
      expect(maskFreeText('card 4111-1111-1111-1111 declined', masker)).to.equal(`card ${MASK} declined`);
      expect(maskFreeText('password=hunter2, user=ann', masker)).to.equal(`password=${MASK}, user=ann`);
      expect(maskFreeText('{"api_key": "s3cr3t"}', masker)).to.equal(`{"api_key": ${MASK}}`);
      expect(maskFreeText(jwt, masker)).to.equal(MASK);
    });

    it('keeps prose and ordinary numbers', () => {
      for (const text of [
        'Bearer in mind the limit',
        'order 1234567890123 is not a card (Luhn)',
        'quota exceeded: 42 of 40',
        'tenant=acme',
      ]) {
        expect(maskFreeText(text, masker)).to.equal(text);
      }
    });

    it('masks the reason when the event is built, even with maskContent: false, and with the context masker', async () => {
      const store = new MemoryEventStore();
      const ctx = new AuditContext({ store, masker: new FieldMasker(['pin']) });
      const event = await ctx.createEvent(order, { pin: '1' }, { maskContent: false, reason: 'pin=1234 wrong' });
      expect(event.content).to.deep.equal({ pin: '1' });
      expect(event.reason).to.equal(`pin=${MASK} wrong`);
    });
  });

  describe('find() filters', () => {
    it('normalizeQuery checks tenantId, action, outcome, actorType and id', () => {
      const id = '01935C5E-8F00-7000-8000-000000000001';
      expect(
        normalizeQuery({ tenantId: 'acme', action: 'a.b', outcome: 'denied', actorType: 'agent', id }),
      ).to.deep.include({
        tenantId: 'acme',
        action: 'a.b',
        outcome: 'denied',
        actorType: 'agent',
        id: id.toLowerCase(),
      });
      for (const bad of [
        { outcome: 'SUCCESS' },
        { actorType: 'bot' },
        { id: 'x' },
        { id: `${id}0` },
        { tenantId: '' },
        { action: 'a'.repeat(201) },
        { tenantID: 'a' },
      ]) {
        expect(() => normalizeQuery(bad), JSON.stringify(bad)).to.throw(InvalidQueryError);
      }
    });

    it('the memory store filters by them, ANDed', async () => {
      const store = new MemoryEventStore();
      const make = (tenantId, options) => new AuditContext({ store, tenantId }).createEvent(order, {}, options);
      const a = await make('acme', { action: 'x', outcome: 'denied' });
      const b = await make('acme', { action: 'y' });
      const c = await make('globex', { action: 'x' });
      const ids = async (q) => (await store.find(q)).events.map((e) => e.id).sort();
      expect(await ids({ tenantId: 'acme' })).to.deep.equal([a.id, b.id].sort());
      expect(await ids({ action: 'x' })).to.deep.equal([a.id, c.id].sort());
      expect(await ids({ tenantId: 'acme', outcome: 'success' })).to.deep.equal([b.id]);
      expect(await ids({ actorType: 'anonymous', tenantId: 'globex' })).to.deep.equal([c.id]);
      expect(await ids({ id: c.id, tenantId: 'acme' })).to.deep.equal([]);
      expect(await ids({ id: c.id })).to.deep.equal([c.id]);
    });
  });

  describe('NATS wire format', () => {
    const event = () => ({
      id: '01935c5e-8f00-7000-8000-000000000001',
      createdAt: new Date('2025-01-01T00:00:00.000Z'),
      contentType: 'order',
      objectId: '1',
      content: {},
      userId: '5',
      userRepr: 'u',
      url: null,
      method: null,
      ip: null,
      requestId: null,
      userAgent: null,
      queryParams: null,
      postData: null,
      headers: null,
    });
    const wire = (value) => Buffer.from(JSON.stringify(value));

    it('carries the fields, and decodes messages of older producers with the defaults', () => {
      const full = {
        ...event(),
        tenantId: 'acme',
        actorType: 'service',
        action: 'a.b',
        outcome: 'failure',
        reason: 'r',
      };
      expect(decodeEvent(encodeEvent(full))).to.deep.equal({ ok: true, event: full });
      const old = { ...event(), createdAt: '2025-01-01T00:00:00.000Z' };
      const decoded = decodeEvent(wire(old));
      expect(decoded.ok).to.equal(true);
      expect(decoded.event).to.include({
        tenantId: null,
        actorType: 'user',
        action: null,
        outcome: 'success',
        reason: null,
      });
      expect(decodeEvent(wire({ ...old, userId: null })).event.actorType).to.equal('anonymous');
    });

    it('a value outside its set or over its limit is a schema failure (poison), naming the field', () => {
      const old = { ...event(), createdAt: '2025-01-01T00:00:00.000Z' };
      for (const [patch, field] of [
        [{ outcome: 'ok' }, 'outcome'],
        [{ actorType: 'robot' }, 'actorType'],
        [{ action: 'a'.repeat(201) }, 'action'],
        [{ tenantId: 5 }, 'tenantId'],
        [{ reason: [] }, 'reason'],
      ]) {
        const decoded = decodeEvent(wire({ ...old, ...patch }));
        expect(decoded.ok, field).to.equal(false);
        expect(decoded.reason).to.match(new RegExp(`^schema: ${field}`));
      }
    });
  });
});
