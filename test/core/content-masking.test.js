// Event content and extraData are masked with the same rules as captured request data (issue 16,
// item 9): one process-wide masking configuration (configureMasking), on by default, with an
// explicit per-call opt-out ({ maskContent: false }) for apps that must store raw values.
import { expect } from 'chai';
import {
  AuditContext,
  ConfigurationError,
  DEFAULT_MASKED_FIELDS,
  EventDraft,
  FieldMasker,
  InvalidEventError,
  MASK,
  MemoryEventStore,
  configureMasking,
  getMasker,
  runWithAuditContext,
  getAuditContext,
} from '@audit-events/core';
import { resolveOptions } from '@audit-events/core/internal';

const order = { type: 'order', id: 1 };
const BEARER = 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';

describe('event content masking', () => {
  let store;
  beforeEach(() => {
    store = new MemoryEventStore();
  });
  afterEach(() => configureMasking());

  it('createEvent stores password, session and auth masked, ordinary keys readable', async () => {
    const content = { password: 'hunter2', session: 's3cr3t-session', auth: BEARER, title: 'Renamed', amount: 3 };
    const event = await AuditContext.blank({ store }).createEvent(order, content);
    const expected = { password: MASK, session: MASK, auth: MASK, title: 'Renamed', amount: 3 };
    expect(event.content).to.deep.equal(expected);
    expect(store.all()[0].content).to.deep.equal(expected);
    // The caller's object is never modified.
    expect(content.password).to.equal('hunter2');
  });

  it('masks at any depth, inside arrays, and the parent+child name (card.number)', async () => {
    const event = await AuditContext.blank({ store }).createEvent(order, {
      user: { profile: { name: 'ann', apiToken: 'tok-1' } },
      attempts: [{ secret: 'a' }, { note: 'ok' }],
      card: { number: '4111111111111111', holder: 'ANN' },
    });
    expect(event.content).to.deep.equal({
      user: { profile: { name: 'ann', apiToken: MASK } },
      attempts: [{ secret: MASK }, { note: 'ok' }],
      card: { number: MASK, holder: 'ANN' },
    });
  });

  it("the stored event shares no object with the caller's content (masked or not)", async () => {
    const content = { items: [{ sku: 'A-1', qty: 2 }], address: { city: 'Bern' } };
    const ctx = AuditContext.blank({ store });
    for (const options of [undefined, { maskContent: false }]) {
      const event = await ctx.createEvent(order, content, options);
      expect(event.content).to.deep.equal(content);
      expect(event.content.items).not.to.equal(content.items);
      expect(event.content.items[0]).not.to.equal(content.items[0]);
      expect(event.content.address).not.to.equal(content.address);
    }
  });

  it('non-JSON content is converted first (Date, BigInt, Map, toJSON), then masked', async () => {
    const when = new Date('2025-01-02T03:04:05.000Z');
    const event = await AuditContext.blank({ store }).createEvent(order, {
      at: when,
      big: 12n,
      tags: new Map([
        ['token', 'x'],
        ['colour', 'red'],
      ]),
      money: { toJSON: () => ({ amount: '9.90', secret: 's' }) },
      skipped: undefined,
    });
    expect(event.content).to.deep.equal({
      at: when.toISOString(),
      big: '12',
      tags: { token: MASK, colour: 'red' },
      money: { amount: '9.90', secret: MASK },
    });
  });

  it('extraData merged into content is masked too', async () => {
    const ctx = AuditContext.blank({ store, extraData: { tenant: 'acme', session: 'sess-9', nested: { token: 't' } } });
    const event = await ctx.createEvent(order, { action: 'paid' });
    expect(event.content).to.deep.equal({ tenant: 'acme', session: MASK, nested: { token: MASK }, action: 'paid' });
    // The context keeps its own (raw) extraData: masking happens when an event is built.
    expect(ctx.extraData.session).to.equal('sess-9');
  });

  it('createFieldsEvent masks a copied sensitive field', async () => {
    const user = { type: 'user', id: 5, email: 'a@b.c', password: 'pbkdf2$…' };
    const event = await AuditContext.blank({ store }).createFieldsEvent(user, ['email', 'password']);
    expect(event.content).to.deep.equal({ email: 'a@b.c', password: MASK });
  });

  it('a draft from newEvent() is masked when it is built, whatever was set on it', async () => {
    const draft = AuditContext.blank({ store }).newEvent().setContentObject(order);
    draft.content.token = 'abc';
    draft.content.status = 'new';
    expect(draft.maskContent).to.equal(true);
    const event = await draft.save();
    expect(event.content).to.deep.equal({ token: MASK, status: 'new' });
    // The draft keeps what the caller set; only the stored event is masked.
    expect(draft.content.token).to.equal('abc');
  });

  it('a standalone EventDraft masks with the process-wide configuration', async () => {
    const draft = new EventDraft(() => store).setContentObject(order);
    draft.content = { secret: 'x', ok: true };
    expect(draft.toEvent().content).to.deep.equal({ secret: MASK, ok: true });
  });

  describe('opt-out per call: { maskContent: false }', () => {
    it('createEvent(obj, content, { maskContent: false }) stores raw values', async () => {
      const ctx = AuditContext.blank({ store, extraData: { session: 'sess-9' } });
      const event = await ctx.createEvent(order, { password: 'hunter2' }, { maskContent: false });
      expect(event.content).to.deep.equal({ session: 'sess-9', password: 'hunter2' });
      expect(store.all()[0].content).to.deep.equal({ session: 'sess-9', password: 'hunter2' });
      // The next event of the same context is masked again: the opt-out is per call.
      const next = await ctx.createEvent(order, { password: 'hunter2' });
      expect(next.content).to.deep.equal({ session: MASK, password: MASK });
    });

    it('createFieldsEvent and newEvent accept it too; a draft can also be switched by its property', async () => {
      const ctx = AuditContext.blank({ store });
      const user = { type: 'user', id: 5, token: 'raw-token' };
      expect((await ctx.createFieldsEvent(user, ['token'], undefined, { maskContent: false })).content).to.deep.equal({
        token: 'raw-token',
      });
      const draft = ctx.newEvent({ maskContent: false }).setContentObject(order);
      expect(draft.maskContent).to.equal(false);
      draft.content.secret = 'raw';
      expect((await draft.save()).content).to.deep.equal({ secret: 'raw' });
      const switched = ctx.newEvent().setContentObject(order);
      switched.maskContent = false;
      switched.content.secret = 'raw';
      expect(switched.toEvent().content).to.deep.equal({ secret: 'raw' });
    });

    it('a malformed options argument is a typed error, not a silent default', async () => {
      const ctx = AuditContext.blank({ store });
      await expectRejection(
        ctx.createEvent(order, {}, { maskContent: 'no' }),
        InvalidEventError,
        /maskContent must be a boolean/,
      );
      await expectRejection(
        ctx.createEvent(order, {}, { maskcontent: false }),
        InvalidEventError,
        /unknown option maskcontent/,
      );
      await expectRejection(ctx.createEvent(order, {}, 'raw'), InvalidEventError, /options must be an object/);
      expect(() => ctx.newEvent({ maskContent: 0 })).to.throw(InvalidEventError, /maskContent must be a boolean/);
      expect(store.size).to.equal(0);
    });
  });

  describe('configureMasking(): one configuration for capture, content, extraData and metadata', () => {
    it('adds app fields to the defaults, process-wide', async () => {
      configureMasking({ fields: ['internal_note'] });
      expect(getMasker().isSensitive('internalNote')).to.equal(true);
      expect(getMasker().isSensitive('password')).to.equal(true);
      const event = await AuditContext.blank({ store }).createEvent(order, {
        internal_note: 'fraud suspected',
        password: 'p',
        title: 't',
      });
      expect(event.content).to.deep.equal({ internal_note: MASK, password: MASK, title: 't' });
    });

    it('replaceDefaults uses only the app fields; configureMasking() goes back to the defaults', async () => {
      configureMasking({ fields: ['internal_note'], replaceDefaults: true });
      let event = await AuditContext.blank({ store }).createEvent(order, { internal_note: 'n', token: 't' });
      expect(event.content).to.deep.equal({ internal_note: MASK, token: 't' });
      configureMasking();
      event = await AuditContext.blank({ store }).createEvent(order, { internal_note: 'n', token: 't' });
      expect(event.content).to.deep.equal({ internal_note: 'n', token: MASK });
      expect(DEFAULT_MASKED_FIELDS.every((field) => getMasker().isSensitive(field))).to.equal(true);
    });

    it('applies to contexts built before it was called (read when the event is built)', async () => {
      const ctx = AuditContext.blank({ store });
      configureMasking({ fields: ['internal_note'] });
      expect((await ctx.createEvent(order, { internal_note: 'n' })).content).to.deep.equal({ internal_note: MASK });
      expect(getAuditContext().masker).to.equal(getMasker());
    });

    it("a middleware's maskPostFields extend the process-wide fields, even when configured later", () => {
      const plain = resolveOptions({});
      const extended = resolveOptions({ maskPostFields: ['ticket_ref'] });
      const replaced = resolveOptions({ maskPostFields: ['ticket_ref'], replaceDefaultMaskedFields: true });
      configureMasking({ fields: ['internal_note'] });
      expect(plain.masker).to.equal(getMasker());
      expect(['internal_note', 'ticket_ref', 'password'].map((k) => extended.masker.isSensitive(k))).to.deep.equal([
        true,
        true,
        true,
      ]);
      // Rebuilt only when the configuration changes.
      expect(extended.masker).to.equal(extended.masker);
      expect(['internal_note', 'ticket_ref', 'password'].map((k) => replaced.masker.isSensitive(k))).to.deep.equal([
        false,
        true,
        false,
      ]);
      configureMasking();
      expect(extended.masker.isSensitive('internal_note')).to.equal(false);
      expect(extended.masker.isSensitive('ticket_ref')).to.equal(true);
    });

    it('rejects malformed configuration with ConfigurationError', () => {
      expect(() => configureMasking({ fields: 'password' })).to.throw(ConfigurationError, /fields/);
      expect(() => configureMasking({ fields: [''] })).to.throw(ConfigurationError, /fields/);
      expect(() => configureMasking({ replaceDefaults: 'yes' })).to.throw(ConfigurationError, /replaceDefaults/);
      expect(() => configureMasking({ field: ['x'] })).to.throw(ConfigurationError, /field: unknown option/);
      expect(() => configureMasking(null)).to.throw(ConfigurationError);
      // A failed call leaves the previous configuration in force.
      expect(getMasker().isSensitive('password')).to.equal(true);
    });

    it('is shared through the process-wide registry (a second copy of the package sees it)', () => {
      const masker = configureMasking({ fields: ['internal_note'] });
      const shared = globalThis[Symbol.for('@audit-events/core.registry')];
      expect(shared.masking.masker).to.equal(masker);
      expect(getMasker()).to.equal(masker);
    });
  });

  describe('the context carries its masker', () => {
    it('a context built with a masker uses it for content (what the middleware does with maskPostFields)', async () => {
      const masker = new FieldMasker([...DEFAULT_MASKED_FIELDS, 'internal_note']);
      const ctx = new AuditContext({ store, requestId: 'r-1', masker });
      expect(ctx.masker).to.equal(masker);
      const event = await runWithAuditContext(ctx, () =>
        getAuditContext().createEvent(order, { internal_note: 'n', password: 'p', ok: 1 }),
      );
      expect(event.content).to.deep.equal({ internal_note: MASK, password: MASK, ok: 1 });
      // A blank context outside has the process-wide one, which does not know internal_note.
      expect((await AuditContext.blank({ store }).createEvent(order, { internal_note: 'n' })).content).to.deep.equal({
        internal_note: 'n',
      });
    });

    it('toJSON() masks extraData (a queue payload leaves the process); fromJSON keeps working', async () => {
      const ctx = new AuditContext({ store, requestId: 'r-1', extraData: { tenant: 'acme', session: 'sess-9' } });
      const json = ctx.toJSON();
      expect(json.extraData).to.deep.equal({ tenant: 'acme', session: MASK });
      const restored = AuditContext.fromJSON(JSON.stringify(json), { store });
      expect(restored.requestId).to.equal('r-1');
      expect(restored.masker).to.equal(getMasker());
      const event = await restored.createEvent(order, { password: 'p' });
      expect(event.content).to.deep.equal({ tenant: 'acme', session: MASK, password: MASK });
      const custom = new FieldMasker(['tenant']);
      expect(AuditContext.fromJSON(json, { store, masker: custom }).masker).to.equal(custom);
    });

    it('a non-masker given as masker is a TypeError at construction', () => {
      expect(() => new AuditContext({ masker: { mask: 1 } })).to.throw(TypeError, /masker/);
    });
  });
});

async function expectRejection(promise, type, message) {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(type);
    expect(err.message).to.match(message);
    return;
  }
  expect.fail('expected a rejection');
}
