// Issue 17, the audit model in KnexEventStore on every dialect: tenant_id, actor_type, action,
// outcome and reason stored as their own columns, read back, filtered by find() (with the memory
// store as the reference, and rows from before the columns reading as the defaults), carried to
// the archive, and bad values refused before any write. Hashing and the upgrade of existing tables:
// test/integrity/audit-model.test.js.
import { expect } from 'chai';
import { AuditContext, InvalidEventError, InvalidQueryError, MemoryEventStore } from '@audit-events/core';
import { forEachDialect } from '../helpers/databases.js';
import { dropAll, idsOf, makeEvent, openStore } from './support.js';

const MODEL_COLUMNS = ['tenant_id', 'actor_type', 'action', 'outcome', 'reason'];

/** A mapRow that writes a row as a writer from before the audit model did: without its columns. */
const OLD_WRITER = {
  toRow(_event, row) {
    const copy = { ...row };
    for (const name of MODEL_COLUMNS) delete copy[name];
    return copy;
  },
};

const ids = (page) => page.events.map((e) => e.id);

forEachDialect('KnexEventStore audit model (issue 17)', (ctx) => {
  const tables = [];
  afterEach(() => dropAll(ctx.knex, tables));

  it('stores the five fields in their own columns and reads them back', async () => {
    const store = await openStore(ctx.knex, tables, { lingerMs: 0 });
    const event = makeEvent({
      tenantId: 'tenant-ø-1',
      actorType: 'api_key',
      action: 'order.refunded',
      outcome: 'denied',
      reason: 'limit exceeded for ünïcode',
    });
    await store.save([event]);
    const [back] = (await store.find({ id: event.id })).events;
    expect(back).to.deep.equal(event);
    const [row] = await ctx.knex(store.tableName).where({ id: event.id }).select(MODEL_COLUMNS);
    expect({ ...row }).to.deep.equal({
      tenant_id: 'tenant-ø-1',
      actor_type: 'api_key',
      action: 'order.refunded',
      outcome: 'denied',
      reason: 'limit exceeded for ünïcode',
    });
  });

  it('filters by tenantId, action, outcome, actorType and id like the memory store, old rows as their defaults', async () => {
    const store = await openStore(ctx.knex, tables, { lingerMs: 0 });
    const old = new store.constructor(ctx.knex, {
      tableName: store.tableName,
      archiveTableName: store.archiveTableName,
      lingerMs: 0,
      mapRow: OLD_WRITER,
    });
    const reference = new MemoryEventStore();
    const base = Date.UTC(2025, 5, 1);
    const events = [];
    const tenants = ['acme', 'globex', null];
    const outcomes = ['success', 'failure', 'denied'];
    const actors = ['user', 'service', 'agent', 'anonymous'];
    for (let i = 0; i < 24; i++) {
      const userId = i % 5 === 0 ? null : String(i);
      events.push(
        makeEvent({
          createdAt: new Date(base + i * 1000),
          userId,
          tenantId: tenants[i % 3],
          action: i % 2 === 0 ? 'order.created' : 'order.updated',
          outcome: outcomes[i % 3],
          actorType: userId === null ? 'anonymous' : actors[i % 3],
          reason: i % 3 === 0 ? null : `because ${i}`,
        }),
      );
    }
    await store.save(events);
    await reference.save(events);
    // Rows from before the upgrade: null columns, read back (and matched) as the defaults.
    const oldEvents = [
      makeEvent({ createdAt: new Date(base - 5000), userId: '7' }),
      makeEvent({ createdAt: new Date(base - 6000), userId: null }),
    ];
    await old.save(oldEvents);
    await reference.save(oldEvents);
    expect((await store.find({ id: oldEvents[1].id })).events[0]).to.include({
      tenantId: null,
      actorType: 'anonymous',
      action: null,
      outcome: 'success',
      reason: null,
    });

    const queries = [
      { tenantId: 'acme' },
      { tenantId: 'globex', outcome: 'failure' },
      { action: 'order.created' },
      { action: 'order.created', tenantId: 'acme', limit: 2 },
      { outcome: 'success' },
      { outcome: 'denied' },
      { actorType: 'user' },
      { actorType: 'anonymous' },
      { actorType: 'service', tenantId: 'acme' },
      { actorType: 'api_key' },
      { id: events[4].id },
      { id: events[4].id, tenantId: 'acme' }, // the id exists, but not in that tenant: nothing
      { id: oldEvents[0].id.toUpperCase() },
    ];
    for (const query of queries) {
      const expected = await reference.find(query);
      const actual = await store.find(query);
      expect(ids(actual), JSON.stringify(query)).to.deep.equal(ids(expected));
      expect(actual.events, JSON.stringify(query)).to.deep.equal(expected.events);
    }
    expect(ids(await store.find({ id: events[4].id, tenantId: 'acme' }))).to.deep.equal([]);
    expect(ids(await store.find({ id: events[4].id }))).to.deep.equal([events[4].id]);
    // Paging within a filter is stable.
    const first = await store.find({ tenantId: 'acme', limit: 3 });
    const second = await store.find({ tenantId: 'acme', limit: 3, cursor: first.nextCursor });
    expect([...ids(first), ...ids(second)]).to.deep.equal(ids(await reference.find({ tenantId: 'acme', limit: 6 })));
  });

  it('an equality filter matches exactly: no tenant, user or object whose id only adds trailing spaces (MariaDB pads)', async () => {
    const store = await openStore(ctx.knex, tables, { lingerMs: 0 });
    const a = makeEvent({ tenantId: 'acme', userId: 'u1', objectId: 'o1' });
    const b = makeEvent({ tenantId: 'acme ', userId: 'u1 ', objectId: 'o1  ' });
    await store.save([a, b]);
    for (const [filter, id] of [
      [{ tenantId: 'acme' }, a.id],
      [{ tenantId: 'acme ' }, b.id],
      [{ userId: 'u1' }, a.id],
      [{ userId: 'u1 ' }, b.id],
      [{ objectId: 'o1' }, a.id],
      [{ objectId: 'o1  ' }, b.id],
    ]) {
      expect(ids(await store.find(filter)), JSON.stringify(filter)).to.deep.equal([id]);
      const exported = [];
      for await (const event of store.export(filter)) exported.push(event.id);
      expect(exported, `export ${JSON.stringify(filter)}`).to.deep.equal([id]);
    }
  });

  it('refuses bad filters before any SQL', async () => {
    const store = await openStore(ctx.knex, tables);
    for (const query of [
      { outcome: 'ok' },
      { actorType: 'robot' },
      { id: 'not-a-uuid' },
      { id: 42 },
      { tenantId: {} },
      { action: 'x'.repeat(201) },
      { tenantId: 'x'.repeat(256) },
    ]) {
      await store.find(query).then(
        () => expect.fail(`accepted ${JSON.stringify(query).slice(0, 80)}`),
        (err) => expect(err, JSON.stringify(query).slice(0, 80)).to.be.instanceOf(InvalidQueryError),
      );
    }
  });

  it('carries the fields to the archive', async () => {
    const store = await openStore(ctx.knex, tables, { lingerMs: 0 });
    const event = makeEvent({
      createdAt: new Date(Date.UTC(2020, 0, 1)),
      tenantId: 'acme',
      action: 'a.b',
      outcome: 'failure',
      actorType: 'system',
      reason: 'r',
    });
    await store.save([event]);
    expect((await store.archive({ olderThan: new Date(Date.UTC(2021, 0, 1)) })).archived).to.equal(1);
    const [row] = await ctx.knex(store.archiveTableName).where({ id: event.id }).select(MODEL_COLUMNS);
    expect({ ...row }).to.deep.equal({
      tenant_id: 'acme',
      actor_type: 'system',
      action: 'a.b',
      outcome: 'failure',
      reason: 'r',
    });
  });

  it('refuses bad values with InvalidEventError naming the field, before anything is written', async () => {
    const store = await openStore(ctx.knex, tables, { lingerMs: 0 });
    const context = new AuditContext({ store, tenantId: 'acme' });
    const order = { type: 'order', id: 1 };
    const cases = [
      [{ outcome: 'ok' }, /outcome/],
      [{ outcome: 1 }, /outcome/],
      [{ action: 'a'.repeat(201) }, /action must be at most 200/],
      [{ action: 5 }, /action must be a string/],
      [{ tenantId: 42 }, /tenantId must be a string/],
      [{ tenantId: '' }, /tenantId must not be empty/],
      [{ tenantId: 'x'.repeat(256) }, /tenantId must be at most 255/],
      [{ reason: { text: 'x' } }, /reason must be a string/],
      [{ reason: 'x'.repeat(1001) }, /reason must be at most 1000/],
      [{ outcom: 'success' }, /unknown option outcom/],
    ];
    for (const [options, message] of cases) {
      const err = await context.createEvent(order, {}, options).then(
        () => null,
        (e) => e,
      );
      expect(err, JSON.stringify(options).slice(0, 60)).to.be.instanceOf(InvalidEventError);
      expect(err.message).to.match(message);
    }
    const draft = context.newEvent().setContentObject(order);
    draft.actorType = 'robot';
    const err = await draft.save().then(
      () => null,
      (e) => e,
    );
    expect(err).to.be.instanceOf(InvalidEventError);
    expect(err.message).to.match(/actorType must be one of user, service/);
    expect(await idsOf(ctx.knex, store.tableName), 'nothing written').to.deep.equal([]);
    // A hand-built event with a value outside the set fails at the store too, alone.
    const good = makeEvent();
    const results = await Promise.allSettled([store.save([makeEvent({ outcome: 'maybe' })]), store.save([good])]);
    expect(results[0].status).to.equal('rejected');
    expect(results[0].reason.message).to.match(/outcome must be one of/);
    expect(results[1].status).to.equal('fulfilled');
    expect(await idsOf(ctx.knex, store.tableName)).to.deep.equal([good.id]);
    // And a good event from the context carries the context's tenant.
    const saved = await context.createEvent(order, {}, { action: 'order.viewed' });
    expect((await store.find({ id: saved.id })).events[0]).to.include({
      tenantId: 'acme',
      action: 'order.viewed',
      actorType: 'anonymous',
    });
  });
});
