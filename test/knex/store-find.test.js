import { expect } from 'chai';
import { InvalidQueryError, MemoryEventStore } from '@audit-events/core';
import { forEachDialect } from '../helpers/databases.js';
import { countQueries, dropAll, makeEvent, openStore } from './support.js';

// The memory store is the reference: every query must give the same pages from the database.
forEachDialect('KnexEventStore.find', (ctx) => {
  describe('over a seeded table', () => {
    const tables = [];
    const reference = new MemoryEventStore();
    let store;
    const base = Date.UTC(2025, 0, 15, 12, 0, 0);

    before(async () => {
      store = await openStore(ctx.knex, tables);
      const events = [];
      for (let i = 0; i < 90; i++) {
        events.push(
          makeEvent({
            // Groups of three share a millisecond: the id must break the tie, as in the reference.
            createdAt: new Date(base - Math.floor(i / 3) * 60_000),
            contentType: i % 2 === 0 ? 'shop.order' : 'shop.invoice',
            objectId: String(i % 5),
            userId: i % 3 === 0 ? null : `u${i % 4}`,
            requestId: `req-${i % 6}`,
          }),
        );
      }
      await Promise.all(events.map((e) => store.save([e])));
      await reference.save(events);
    });
    after(() => dropAll(ctx.knex, tables));

    async function allPages(target, query) {
      const seen = [];
      let cursor;
      for (let guard = 0; guard < 200; guard++) {
        const page = await target.find({ ...query, cursor });
        seen.push(...page.events);
        if (!page.nextCursor) return seen;
        cursor = page.nextCursor;
      }
      throw new Error('pagination did not end');
    }

    const queries = [
      {},
      { contentType: 'shop.order' },
      { contentType: 'shop.order', objectId: '3' },
      { objectId: 3 },
      { userId: 'u1' },
      { userId: 2 },
      { requestId: 'req-4' },
      { since: new Date(base - 10 * 60_000) },
      { until: new Date(base - 10 * 60_000) },
      { since: new Date(base - 20 * 60_000), until: new Date(base - 5 * 60_000), contentType: 'shop.invoice' },
      { contentType: 'no.such.type' },
    ];

    for (const query of queries) {
      it(`returns what the reference returns for ${JSON.stringify(query)}, page by page`, async () => {
        for (const limit of [1, 7, 50]) {
          const got = await allPages(store, { ...query, limit });
          const want = await allPages(reference, { ...query, limit });
          expect(got.map((e) => e.id)).to.deep.equal(want.map((e) => e.id));
          expect(got).to.deep.equal(want);
        }
      });
    }

    it('orders newest first, ties broken by id descending, with no duplicates across pages', async () => {
      const events = await allPages(store, { limit: 4 });
      expect(events).to.have.length(90);
      expect(new Set(events.map((e) => e.id)).size).to.equal(90);
      for (let i = 1; i < events.length; i++) {
        const a = events[i - 1];
        const b = events[i];
        const ordered = a.createdAt > b.createdAt || (a.createdAt.getTime() === b.createdAt.getTime() && a.id > b.id);
        expect(ordered, `${i}`).to.equal(true);
      }
    });

    it('treats since as inclusive and until as exclusive', async () => {
      const at = new Date(base - 5 * 60_000);
      const since = await store.find({ since: at, limit: 1000 });
      const until = await store.find({ until: at, limit: 1000 });
      expect(since.events.some((e) => e.createdAt.getTime() === at.getTime())).to.equal(true);
      expect(until.events.some((e) => e.createdAt.getTime() === at.getTime())).to.equal(false);
      expect(since.events.length + until.events.length).to.equal(90);
    });

    it('keeps a cursor stable while newer events arrive', async () => {
      const first = await store.find({ contentType: 'shop.order', limit: 10 });
      const newer = makeEvent({ contentType: 'shop.order', createdAt: new Date(base + 60_000) });
      await store.save([newer]);
      try {
        const second = await store.find({ contentType: 'shop.order', limit: 10, cursor: first.nextCursor });
        const want = await reference.find({ contentType: 'shop.order', limit: 10, cursor: first.nextCursor });
        expect(second.events.map((e) => e.id)).to.deep.equal(want.events.map((e) => e.id));
      } finally {
        await ctx.knex(store.tableName).where({ id: newer.id }).del();
      }
    });

    it('rejects bad queries with InvalidQueryError before any SQL', async () => {
      const counter = countQueries(ctx.knex, /./);
      try {
        for (const bad of [
          { limit: 0 },
          { limit: 1001 },
          { limit: 2.5 },
          { cursor: 'garbage' },
          { since: 'not a date' },
          { objectId: {} },
          { objectId: '' },
        ]) {
          const err = await store.find(bad).catch((e) => e);
          expect(err, JSON.stringify(bad)).to.be.instanceOf(InvalidQueryError);
          expect(err.code).to.equal('AUDIT_BAD_QUERY');
        }
        expect(counter.count).to.equal(0);
      } finally {
        counter.stop();
      }
    });
  });
});
