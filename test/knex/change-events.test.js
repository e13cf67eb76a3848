// Change events (issue 17, item 2) through a real store on every dialect: the documented Knex
// pattern (load, change, save, record), the patch read back through find() exactly as it was
// saved, truncation records included, and a change recorded from an Express request.
import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import {
  AuditContext,
  CHANGES_KEY,
  CHANGES_TRUNCATED_KEY,
  MASK,
  MAX_CHANGE_INPUT_BYTES,
  MAX_CHANGE_OPERATIONS,
} from '@audit-events/core';
import { auditContext } from '@audit-events/express';
import { forEachDialect, uniqueTable } from '../helpers/databases.js';
import { dropAll, openStore } from './support.js';

forEachDialect('change events in the store', (ctx) => {
  const tables = [];
  let store;
  let orders;
  beforeEach(async () => {
    store = await openStore(ctx.knex, tables);
    orders = uniqueTable('orders');
    tables.push(orders);
    await ctx.knex.schema.createTable(orders, (t) => {
      t.integer('id').primary();
      t.string('status');
      t.decimal('total', 10, 2);
      t.string('api_token');
      t.text('notes');
    });
    await ctx.knex(orders).insert({ id: 1, status: 'new', total: 10, api_token: 'tok-old', notes: 'Zürich 東京 🎉' });
  });
  afterEach(() => dropAll(ctx.knex, tables));

  /**
   * docs/change-events.md, "Knex": load, change and save in one transaction, record once it has
   * committed (what did not commit did not happen; and on SQLite's one connection the store could
   * not write while the transaction holds it).
   */
  async function updateOrder(audit, id, changes) {
    const { before, after } = await ctx.knex.transaction(async (trx) => {
      const before = await trx(orders).where({ id }).first();
      await trx(orders).where({ id }).update(changes);
      const after = await trx(orders).where({ id }).first();
      return { before, after };
    });
    return audit.createChangeEvent({ type: 'order', id }, before, after);
  }

  it('the Knex pattern stores the patch, and find() reads back exactly what was saved', async () => {
    const audit = AuditContext.blank({ store });
    const saved = await updateOrder(audit, 1, { status: 'paid', api_token: 'tok-new', notes: 'Zürich 東京 🎉 — paid' });
    expect(saved.content[CHANGES_KEY]).to.have.deep.members([
      { op: 'replace', path: '/status', value: 'paid', old: 'new' },
      { op: 'replace', path: '/api_token', value: MASK, old: MASK },
      { op: 'replace', path: '/notes', value: 'Zürich 東京 🎉 — paid', old: 'Zürich 東京 🎉' },
    ]);
    expect(saved).to.include({ action: 'order.updated', outcome: 'success' });
    const { events } = await store.find({ contentType: 'order', objectId: '1' });
    expect(events).to.have.length(1);
    // The patch is content: it reads back exactly as saved (the audit-model columns are the
    // knex schema's concern, tested with it).
    expect(events[0]).to.include({ id: saved.id, contentType: 'order', objectId: '1' });
    expect(events[0].content).to.deep.equal(saved.content);
    const dump = JSON.stringify(await ctx.knex(tables[0]));
    expect(dump).not.to.include('tok-old');
    expect(dump).not.to.include('tok-new');
  });

  it('an update that changed nothing stores no event', async () => {
    expect(await updateOrder(AuditContext.blank({ store }), 1, { status: 'new' })).to.equal(null);
    expect((await store.find({})).events).to.have.length(0);
  });

  it('awkward keys and values survive the round trip (escaped paths, nested arrays, nulls, unicode keys)', async () => {
    const before = JSON.parse('{"a/b": 1, "c~d": [1, [2, 3]], "__proto__": {"x": null}, "ключ": "значение"}');
    const after = JSON.parse('{"a/b": 2, "c~d": [1, [2, 4], {}], "__proto__": {"x": false}, "ключ": null}');
    const saved = await AuditContext.blank({ store }).createChangeEvent({ type: 'doc', id: 'd-1' }, before, after);
    const { events } = await store.find({ contentType: 'doc' });
    expect(events[0].content).to.deep.equal(saved.content);
    expect(saved.content[CHANGES_KEY].map((op) => op.path)).to.include.members(['/a~1b', '/__proto__/x', '/ключ']);
  });

  it('truncation records are stored and read back (operations limit, input too large)', async () => {
    const audit = AuditContext.blank({ store });
    const wide = {};
    for (let i = 0; i < MAX_CHANGE_OPERATIONS + 5; i++) wide[`f${i}`] = i;
    await audit.createChangeEvent({ type: 'wide', id: 1 }, {}, wide);
    await audit.createChangeEvent(
      { type: 'huge', id: 1 },
      { blob: '' },
      { blob: 'x'.repeat(MAX_CHANGE_INPUT_BYTES + 1) },
    );
    const [wideEvent] = (await store.find({ contentType: 'wide' })).events;
    expect(wideEvent.content[CHANGES_KEY]).to.have.length(MAX_CHANGE_OPERATIONS);
    expect(wideEvent.content[CHANGES_TRUNCATED_KEY]).to.deep.equal({
      totalOperations: MAX_CHANGE_OPERATIONS + 5,
      storedOperations: MAX_CHANGE_OPERATIONS,
      coarse: false,
      inputTooLarge: false,
    });
    const [hugeEvent] = (await store.find({ contentType: 'huge' })).events;
    expect(hugeEvent.content).to.deep.equal({
      [CHANGES_KEY]: [],
      [CHANGES_TRUNCATED_KEY]: { totalOperations: 0, storedOperations: 0, coarse: false, inputTooLarge: true },
    });
  });

  it('from an Express request: the request, user and masked patch in the row', async () => {
    const app = express();
    app.use(auditContext({ store }));
    app.use(express.json());
    app.use((req, _res, next) => {
      req.user = { id: 3, username: 'ann' };
      next();
    });
    app.patch('/orders/:id', async (req, res, next) => {
      try {
        const event = await updateOrder(req.auditContext, Number(req.params.id), req.body);
        res.json({ id: event?.id ?? null });
      } catch (err) {
        next(err);
      }
    });
    const res = await request(app)
      .patch('/orders/1')
      .set('X-Request-Id', 'chg-db-1')
      .send({ total: 12.5, api_token: 'tok-x' })
      .expect(200);
    const { events } = await store.find({ contentType: 'order' });
    expect(events).to.have.length(1);
    expect(events[0]).to.include({ id: res.body.id, userId: '3', method: 'PATCH' });
    const changes = events[0].content[CHANGES_KEY];
    expect(changes.find((op) => op.path === '/api_token')).to.deep.equal({
      op: 'replace',
      path: '/api_token',
      value: MASK,
      old: MASK,
    });
    // Decimal columns come back as numbers or strings depending on the driver; either way the change is there.
    const total = changes.find((op) => op.path === '/total');
    expect(total.op).to.equal('replace');
    expect(Number(total.value)).to.equal(12.5);
    expect(Number(total.old)).to.equal(10);
  });
});
