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
