import { expect } from 'chai';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import knexFactory from 'knex';
import { InvalidQueryError, MemoryEventStore } from '@audit-events/core';
import { KnexEventStore, sqliteKnexConfig } from '@audit-events/knex';
import { startNode } from '../helpers/child-process.js';
import { forEachDialect, tempDir, uniqueTable } from '../helpers/databases.js';
import { dropAll, makeEvent, openStore } from './support.js';

const WORKER = fileURLToPath(new URL('../fixtures/knex/export-worker.mjs', import.meta.url));
const BASE = Date.UTC(2025, 0, 15, 12, 0, 0);

async function collect(iterable) {
  const out = [];
  for await (const event of iterable) out.push(event);
  return out;
}

/** Oldest first, as an export orders them: createdAt, then id in byte order. */
function oldestFirst(events) {
  return [...events].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

const ids = (events) => events.map((e) => e.id);

function expectStrictlyOrdered(events) {
  for (let i = 1; i < events.length; i++) {
    const [a, b] = [events[i - 1], events[i]];
    const ok = a.createdAt < b.createdAt || (a.createdAt.getTime() === b.createdAt.getTime() && a.id < b.id);
    expect(ok, `event ${i} (${b.createdAt.toISOString()} ${b.id}) after ${a.createdAt.toISOString()} ${a.id}`).to.equal(
      true,
    );
  }
}

forEachDialect('KnexEventStore.export', (ctx, dialect) => {
  describe('over live and archive tables', () => {
    const tables = [];
    const reference = new MemoryEventStore();
    let store;
    let events;

    before(async () => {
      store = await openStore(ctx.knex, tables);
      events = [];
      for (let i = 0; i < 120; i++) {
        events.push(
          makeEvent({
            // Groups of four share a millisecond: the id orders them, on every dialect alike.
            createdAt: new Date(BASE + Math.floor(i / 4) * 60_000),
            contentType: i % 2 === 0 ? 'shop.order' : 'shop.invoice',
            objectId: String(i % 5),
            userId: i % 3 === 0 ? null : `u${i % 4}`,
          }),
        );
      }
      await store.save(events);
      await reference.save(events);
      // The older half moves to the archive.
      const moved = await store.archive({ olderThan: new Date(BASE + 15 * 60_000) });
      expect(moved.archived).to.equal(60);
    });
    after(() => dropAll(ctx.knex, tables));

    it('reads the live table only by default, oldest first', async () => {
      const got = await collect(store.export({ pageSize: 7 }));
      expect(ids(got)).to.deep.equal(ids(oldestFirst(events.slice(60))));
    });

    it('merges the archive in order, each event once, whatever the page size', async () => {
      for (const pageSize of [1, 3, 7, 60, 1000]) {
        const got = await collect(store.export({ includeArchive: true, pageSize }));
        expect(ids(got), `pageSize ${pageSize}`).to.deep.equal(ids(oldestFirst(events)));
      }
    });

    it('hands out events exactly as find() does (every field)', async () => {
      const [first] = await collect(store.export({ includeArchive: true, pageSize: 5 }));
      const page = await store.find({ until: new Date(BASE + 1), limit: 10 });
      const same = page.events.find((e) => e.id === first.id);
      expect(same, 'the first event is in the live table? (it is archived, so find cannot see it)').to.equal(undefined);
      const [firstLive] = await collect(store.export({ pageSize: 1 }));
      const found = (
        await store.find({ since: firstLive.createdAt, until: new Date(firstLive.createdAt.getTime() + 1), limit: 10 })
      ).events;
      expect(found.find((e) => e.id === firstLive.id)).to.deep.equal(firstLive);
    });

    const filters = [
      { contentType: 'shop.order' },
      { contentType: 'shop.order', objectId: '3' },
      { objectId: 3 },
      { userId: 'u1' },
      { since: new Date(BASE + 10 * 60_000) },
      { until: new Date(BASE + 20 * 60_000) },
      { since: new Date(BASE + 5 * 60_000), until: new Date(BASE + 25 * 60_000), contentType: 'shop.invoice' },
      { contentType: 'no.such.type' },
    ];
    for (const filter of filters) {
      it(`filters like find(): ${JSON.stringify(filter)}`, async () => {
        const expected = oldestFirst(events.filter((e) => matches(e, filter)));
        const got = await collect(store.export({ ...filter, includeArchive: true, pageSize: 4 }));
        expect(ids(got)).to.deep.equal(ids(expected));
        // The memory store's export is the same (it has no archive: everything is "live" there).
        expect(ids(await collect(reference.export({ ...filter, includeArchive: true })))).to.deep.equal(ids(expected));
      });
    }

    it('refuses a bad query when export() is called, before any SQL', () => {
      for (const bad of [
        { limit: 5 },
        { cursor: 'x' },
        { pageSize: 0 },
        { pageSize: 10_001 },
        { pageSize: 1.5 },
        { includeArchive: 'yes' },
        { colour: 'red' },
        { since: new Date('x') },
        { since: new Date(BASE), until: new Date(BASE) },
      ]) {
        expect(() => store.export(bad), JSON.stringify(bad)).to.throw(InvalidQueryError);
        expect(() => reference.export(bad), JSON.stringify(bad)).to.throw(InvalidQueryError);
      }
    });
  });

  describe('audit-model filters (tenant, action, outcome, actor type)', () => {
    const tables = [];
    after(() => dropAll(ctx.knex, tables));

    it('filter like the memory store, rows from before the columns read with the defaults', async () => {
      const store = await openStore(ctx.knex, tables);
      // [tenantId, action, outcome, actorType, userId]; nulls in the last four rows are legacy rows.
      const plan = [
        ['acme', 'order.created', 'success', 'user', 'u1'],
        ['acme', 'order.deleted', 'denied', 'api_key', 'k1'],
        ['globex', 'invoice.paid', 'failure', 'service', 'svc'],
        ['globex', 'invoice.paid', 'success', 'anonymous', null],
        [null, null, null, null, 'u2'],
        [null, null, null, null, null],
      ];
      const events = plan.map(([tenantId, action, outcome, actorType, userId], i) =>
        makeEvent({
          createdAt: new Date(BASE + i * 1000),
          userId,
          tenantId,
          action,
          outcome: outcome ?? 'success',
          actorType: actorType ?? (userId ? 'user' : 'anonymous'),
        }),
      );
      await store.save(events);
      // Tables from before the audit-model migration gain the columns; legacy rows keep nulls.
      for (const [column, length] of [
        ['tenant_id', 255],
        ['action', 200],
        ['outcome', 16],
        ['actor_type', 16],
      ]) {
        if (!(await ctx.knex.schema.hasColumn(tables[0], column)))
          await ctx.knex.schema.alterTable(tables[0], (t) => t.string(column, length).nullable());
      }
      for (let i = 0; i < plan.length; i++) {
        const [tenant_id, action, outcome, actor_type] = plan[i];
        await ctx.knex(tables[0]).where('id', events[i].id).update({ tenant_id, action, outcome, actor_type });
      }
      const reference = new MemoryEventStore();
      await reference.save(events);
      const filters = [
        { tenantId: 'acme' },
        { tenantId: 'globex', outcome: 'success' },
        { action: 'invoice.paid' },
        { outcome: 'success' },
        { outcome: 'denied' },
        { actorType: 'user' },
        { actorType: 'anonymous' },
        { actorType: 'api_key' },
        { id: events[2].id },
      ];
      for (const filter of filters) {
        const expected = ids(await collect(reference.export(filter)));
        expect(expected.length, JSON.stringify(filter)).to.be.greaterThan(0);
        expect(ids(await collect(store.export({ ...filter, pageSize: 2 }))), JSON.stringify(filter)).to.deep.equal(
          expected,
        );
      }
      const [legacy] = await collect(store.export({ since: events[5].createdAt }));
      expect(legacy).to.include({ tenantId: null, action: null, outcome: 'success', actorType: 'anonymous' });
    });
  });

  describe('while the archiver moves rows', () => {
    const tables = [];
    after(() => dropAll(ctx.knex, tables));

    it('never misses or repeats a row moved between pages', async () => {
      const store = await openStore(ctx.knex, tables);
      const events = [];
      for (let i = 0; i < 200; i++) events.push(makeEvent({ createdAt: new Date(BASE + Math.floor(i / 2) * 1000) }));
      await store.save(events);
      const got = [];
      let cutoff = BASE;
      for await (const event of store.export({ includeArchive: true, pageSize: 6 })) {
        got.push(event);
        // Every few events the archiver moves rows: some already exported, some ahead of the position.
        if (got.length % 5 === 0) {
          cutoff += 7_000;
          await store.archive({ olderThan: new Date(cutoff), batchSize: 3 });
        }
      }
      expectStrictlyOrdered(got);
      expect(ids(got)).to.deep.equal(ids(oldestFirst(events)));
      expect(Number((await ctx.knex(`${tables[0]}_arc`).count({ n: '*' }))[0].n)).to.be.greaterThan(100);
    });

    it('never misses or repeats a row while an archive runs concurrently', async () => {
      const store = await openStore(ctx.knex, tables);
      const events = [];
      for (let i = 0; i < 600; i++) events.push(makeEvent({ createdAt: new Date(BASE + Math.floor(i / 3) * 1000) }));
      await store.save(events);
      const archiving = store.archive({ olderThan: new Date(BASE + 150_000), batchSize: 5 });
      const got = await collect(store.export({ includeArchive: true, pageSize: 4 }));
      await archiving;
      expectStrictlyOrdered(got);
      expect(ids(got)).to.deep.equal(ids(oldestFirst(events)));
    });
  });

  describe('memory', function () {
    this.timeout(600_000);
    const tables = [];
    let knex;
    let filename;
    before(() => {
      if (dialect === 'sqlite') {
        filename = join(tempDir(), `export-${uniqueTable('p')}.sqlite`);
        knex = knexFactory(sqliteKnexConfig(filename, { driver: ctx.driver }));
      } else knex = ctx.knex;
    });
    after(async () => {
      await dropAll(knex, tables);
      if (dialect === 'sqlite') await knex.destroy();
    });

    it('exports 50 000 rows in a child process whose RSS stays bounded', async () => {
      const tableName = uniqueTable('aexp');
      tables.push(tableName, `${tableName}_arc`);
      const store = new KnexEventStore(knex, { tableName, archiveTableName: `${tableName}_arc` });
      await store.migrate();
      const rows = 50_000;
      // ~2 KB of content per row: 100 MB in all, so a whole-table read would exceed the bound.
      const note = 'x'.repeat(2000);
      for (let done = 0; done < rows;) {
        const batch = [];
        for (let i = 0; i < 1000; i++, done++)
          batch.push(makeEvent({ createdAt: new Date(BASE + done), content: { n: done, note } }));
        await store.save(batch);
      }
      await store.close();
      // A heap cap below the table's size: an export that kept the rows it read would die of it,
      // and the caps (old and young generation) keep V8 from growing its heap lazily into RSS that
      // nothing retains (Node 24's larger default young generation did, with better-sqlite3).
      const worker = startNode(
        WORKER,
        [JSON.stringify({ dialect, driver: ctx.driver, filename, tableName, pageSize: 1000 })],
        {
          env: {
            NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=96 --max-semi-space-size=8`.trim(),
          },
        },
      );
      const { code } = await worker.exited;
      const line = worker.lines.find((l) => l.startsWith('done '));
      expect(line, `worker exited ${code}: ${worker.lines.join(' | ')} ${worker.stderr()}`).to.be.a('string');
      const result = JSON.parse(line.slice(5));
      expect(result.count).to.equal(rows);
      expect(result.ordered).to.equal(true);
      // What the process holds (heap + external) stays far below the 100 MB the rows add up to.
      expect(
        result.peakHeldMB - result.baseHeldMB,
        `held ${result.baseHeldMB.toFixed(0)} → ${result.peakHeldMB.toFixed(0)} MB`,
      ).to.be.below(60);
      expect(
        result.peakMB - result.baseMB,
        `RSS ${result.baseMB.toFixed(0)} MB → peak ${result.peakMB.toFixed(0)} MB (${result.samples.join(', ')})`,
      ).to.be.below(100);
    });
  });
});

function matches(event, filter) {
  if (filter.contentType !== undefined && event.contentType !== filter.contentType) return false;
  if (filter.objectId !== undefined && event.objectId !== String(filter.objectId)) return false;
  if (filter.userId !== undefined && event.userId !== String(filter.userId)) return false;
  if (filter.since !== undefined && event.createdAt < filter.since) return false;
  if (filter.until !== undefined && event.createdAt >= filter.until) return false;
  return true;
}
