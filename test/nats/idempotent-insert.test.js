// KnexEventStore's duplicateIds: 'ignore' — the insert mode ingest relies on: replaying events
// whose ids are stored already (a redelivered JetStream batch) stores each exactly once.
import { expect } from 'chai';
import { ConfigurationError, StoreWriteError } from '@audit-events/core';
import { KnexEventStore } from '@audit-events/knex';
import { forEachDialect, uniqueTable } from '../helpers/databases.js';
import { makeEvent, rowCounts } from './fixtures.js';

forEachDialect('KnexEventStore duplicateIds', (ctx) => {
  it("'ignore' stores a replayed batch once, new ids of a mixed batch too, and keeps the first copy", async () => {
    const table = uniqueTable('idem');
    const store = new KnexEventStore(ctx.knex, {
      tableName: table,
      archiveTableName: `${table}_a`,
      duplicateIds: 'ignore',
    });
    await store.migrate();
    try {
      const first = Array.from({ length: 50 }, (_, i) => makeEvent({ objectId: String(i) }));
      await store.save(first);
      await store.save(first);
      const mixed = [
        ...first.slice(0, 10).map((e) => ({ ...e, objectId: 'changed' })),
        ...Array.from({ length: 5 }, () => makeEvent()),
      ];
      await store.save(mixed);
      expect(await rowCounts(ctx.knex, table)).to.deep.equal({ rows: 55, duplicates: 0 });
      const [kept] = await ctx.knex(table).where({ id: first[0].id }).select('object_id');
      expect(kept.object_id).to.equal('0');
    } finally {
      await store.close();
      await ctx.knex.schema.dropTableIfExists(table);
      await ctx.knex.schema.dropTableIfExists(`${table}_a`);
    }
  });

  it("'ignore' with integrity: a replay stores each id once and the chain verifies without a gap", async () => {
    const table = uniqueTable('idemc');
    const store = new KnexEventStore(ctx.knex, {
      tableName: table,
      archiveTableName: `${table}_a`,
      duplicateIds: 'ignore',
      integrity: true,
    });
    await store.migrate();
    try {
      const first = Array.from({ length: 30 }, () => makeEvent());
      await store.save(first);
      await store.save([...first.slice(10), ...Array.from({ length: 5 }, () => makeEvent())]);
      await store.save(first.slice(0, 3));
      expect(await rowCounts(ctx.knex, table)).to.deep.equal({ rows: 35, duplicates: 0 });
      const report = await store.verify();
      expect(report.validChains).to.equal(1);
      expect(report.totalChains).to.equal(1);
      expect(report.chainedRows).to.equal(35);
    } finally {
      await store.close();
      await ctx.knex.schema.dropTableIfExists(table);
      await ctx.knex.schema.dropTableIfExists(`${table}_a`);
    }
  });

  it('concurrentBatches: 2 writes two batches at once (one at a time on SQLite), each event once, replays included', async () => {
    const table = uniqueTable('idemp');
    const store = new KnexEventStore(ctx.knex, {
      tableName: table,
      archiveTableName: `${table}_a`,
      duplicateIds: 'ignore',
      batchSize: 100,
      concurrentBatches: 2,
    });
    await store.migrate();
    // Inserts on the wire at once, watched through knex's own query events.
    let running = 0;
    let most = 0;
    const started = new Set();
    const onQuery = (q) => {
      if (!/^insert into/i.test(q.sql)) return;
      started.add(q.__knexQueryUid);
      most = Math.max(most, ++running);
    };
    const onEnd = (_response, q) => {
      if (started.delete(q.__knexQueryUid)) running--;
    };
    const onError = (_err, q) => onEnd(null, q);
    ctx.knex.on('query', onQuery).on('query-response', onEnd).on('query-error', onError);
    try {
      const events = Array.from({ length: 1200 }, (_, i) => makeEvent({ objectId: String(i) }));
      // Saves of 100 (a batch each), every third one replaying the batch before it while that
      // one may still be in flight; not awaited one by one, then close() writes the rest.
      const saves = [];
      for (let i = 0; i < events.length; i += 100) {
        saves.push(store.save(events.slice(i, i + 100)));
        if (i > 0 && (i / 100) % 3 === 0) saves.push(store.save(events.slice(i - 100, i)));
      }
      await store.close();
      const outcomes = await Promise.allSettled(saves);
      expect(outcomes.filter((o) => o.status === 'rejected').map((o) => o.reason.message)).to.deep.equal([]);
      expect(await rowCounts(ctx.knex, table)).to.deep.equal({ rows: 1200, duplicates: 0 });
      expect(store.stats).to.include({ events: 1200 + 300, failedBatches: 0, pendingEvents: 0 });
      expect(most).to.equal(ctx.dialect === 'sqlite' ? 1 : 2);
    } finally {
      ctx.knex.off('query', onQuery).off('query-response', onEnd).off('query-error', onError);
      await ctx.knex.schema.dropTableIfExists(table);
      await ctx.knex.schema.dropTableIfExists(`${table}_a`);
    }
  });

  it('concurrentBatches is refused with integrity (a chain is written in order) and outside 1 to 16', () => {
    const base = { tableName: 't_conc', archiveTableName: 't_conc_a' };
    for (const bad of [
      { concurrentBatches: 2, integrity: true },
      { concurrentBatches: 0 },
      { concurrentBatches: 17 },
      { concurrentBatches: 1.5 },
      { concurrentBatches: '2' },
    ]) {
      expect(() => new KnexEventStore(ctx.knex, { ...base, ...bad }), JSON.stringify(bad))
        .to.throw(ConfigurationError)
        .with.property('message')
        .that.matches(/concurrentBatches/);
    }
    expect(() => new KnexEventStore(ctx.knex, { ...base, concurrentBatches: 1, integrity: true })).to.not.throw();
  });

  it("the default ('reject') still fails a batch holding a stored id", async () => {
    const table = uniqueTable('idem');
    const store = new KnexEventStore(ctx.knex, { tableName: table, archiveTableName: `${table}_a` });
    await store.migrate();
    try {
      const event = makeEvent();
      await store.save([event]);
      let error;
      await store.save([event]).catch((err) => (error = err));
      expect(error).to.be.instanceOf(StoreWriteError);
      expect(await rowCounts(ctx.knex, table)).to.deep.equal({ rows: 1, duplicates: 0 });
    } finally {
      await store.close();
      await ctx.knex.schema.dropTableIfExists(table);
      await ctx.knex.schema.dropTableIfExists(`${table}_a`);
    }
  });
});

describe('KnexEventStore duplicateIds options', () => {
  it('rejects unknown values', async () => {
    const { default: knexFactory } = await import('knex');
    const knex = knexFactory({ client: 'sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
    try {
      expect(() => new KnexEventStore(knex, { duplicateIds: 'skip' })).to.throw(ConfigurationError, /duplicateIds/);
    } finally {
      await knex.destroy();
    }
  });
});
