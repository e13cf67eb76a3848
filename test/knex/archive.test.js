import { expect } from 'chai';
import { AbortedError, ArchiveError, ConfigurationError } from '@audit-events/core';
import { forEachDialect } from '../helpers/databases.js';
import { countQueries, dropAll, idsOf, makeEvent, openStore } from './support.js';

const DAY = 86_400_000;

forEachDialect('KnexEventStore.archive', (ctx) => {
  const tables = [];
  afterEach(() => dropAll(ctx.knex, tables));

  /** Events of mixed ages: `old` of them strictly before `cutoff`, `young` at or after it. */
  async function seed(store, { old, young, cutoff, extra }) {
    const events = [];
    const make = (time) =>
      makeEvent(extra === undefined ? { createdAt: new Date(time) } : { createdAt: new Date(time), extra });
    for (let i = 0; i < old; i++) events.push(make(cutoff - 1 - ((i * 7919) % (40 * DAY))));
    for (let i = 0; i < young; i++) events.push(make(cutoff + ((i * 104_729) % (20 * DAY))));
    // One exactly at the cutoff: not "older than", stays.
    events.push(make(cutoff));
    await store.save(events);
    const isOld = (e) => e.createdAt.getTime() < cutoff;
    return {
      events,
      oldIds: events
        .filter(isOld)
        .map((e) => e.id)
        .sort(),
      youngIds: events
        .filter((e) => !isOld(e))
        .map((e) => e.id)
        .sort(),
    };
  }

  it('moves exactly the events older than the cutoff, in batches, with exact counts', async () => {
    const store = await openStore(ctx.knex, tables);
    const cutoff = Date.UTC(2025, 5, 1);
    const { events, oldIds, youngIds } = await seed(store, { old: 230, young: 170, cutoff });
    const before = new Map(events.map((e) => [e.id, e]));

    expect(await store.countArchivable(new Date(cutoff))).to.equal(230);
    const progress = [];
    const result = await store.archive({
      olderThan: new Date(cutoff),
      batchSize: 37,
      onProgress: (p) => progress.push(p),
    });
    expect(result).to.deep.equal({ archived: 230, batches: 7, cutoff: new Date(cutoff), dryRun: false, remaining: 0 });
    expect(progress.map((p) => p.archived)).to.deep.equal([37, 74, 111, 148, 185, 222, 230]);
    expect(progress.every((p) => p.total === 230)).to.equal(true);
    expect(progress.map((p) => p.batches)).to.deep.equal([1, 2, 3, 4, 5, 6, 7]);

    expect((await idsOf(ctx.knex, store.tableName)).sort()).to.deep.equal(youngIds);
    expect((await idsOf(ctx.knex, store.archiveTableName)).sort()).to.deep.equal(oldIds);

    // Archived rows are the same rows: read them back through a store pointed at the archive.
    const archiveReader = await openStore(ctx.knex, [], {
      tableName: store.archiveTableName,
      archiveTableName: `${store.archiveTableName}_x`,
    });
    tables.push(`${store.archiveTableName}_x`);
    const { events: archived } = await archiveReader.find({ limit: 1000 });
    expect(archived).to.have.length(230);
    for (const event of archived) expect(event).to.deep.equal(before.get(event.id));
    const rows = await ctx.knex(store.archiveTableName).select('archived_at');
    expect(rows.every((r) => r.archived_at !== null)).to.equal(true);

    const again = await store.archive({ olderThan: new Date(cutoff), batchSize: 37 });
    expect(again).to.include({ archived: 0, batches: 0, remaining: 0 });
  });

  it('takes olderThan as a number of days', async () => {
    const store = await openStore(ctx.knex, tables);
    const now = Date.now();
    await store.save([
      makeEvent({ createdAt: new Date(now - 91 * DAY) }),
      makeEvent({ createdAt: new Date(now - 95 * DAY) }),
      makeEvent({ createdAt: new Date(now - 89 * DAY) }),
    ]);
    expect(await store.countArchivable(90)).to.equal(2);
    const result = await store.archive({ olderThan: 90 });
    expect(result.archived).to.equal(2);
    expect(Math.abs(result.cutoff.getTime() - (now - 90 * DAY))).to.be.below(60_000);
  });

  it('counts without moving in a dry run', async () => {
    const store = await openStore(ctx.knex, tables);
    const cutoff = Date.UTC(2025, 0, 1);
    await seed(store, { old: 12, young: 5, cutoff });
    const result = await store.archive({ olderThan: new Date(cutoff), dryRun: true });
    expect(result).to.deep.equal({ archived: 0, batches: 0, cutoff: new Date(cutoff), dryRun: true, remaining: 12 });
    expect((await idsOf(ctx.knex, store.archiveTableName)).length).to.equal(0);
    expect((await idsOf(ctx.knex, store.tableName)).length).to.equal(18);
  });

  it('copies extra columns and the integrity columns unchanged', async () => {
    const store = await openStore(ctx.knex, tables, { extraColumns: [{ name: 'tenant', type: 'string' }] });
    const cutoff = Date.UTC(2025, 0, 1);
    const { oldIds } = await seed(store, { old: 3, young: 0, cutoff, extra: { tenant: 'acme' } });
    await ctx
      .knex(store.tableName)
      .where({ id: oldIds[0] })
      .update({ chain_id: 'writer-1', seq: 7, prev_hash: 'a'.repeat(64), hash: 'b'.repeat(64) });
    await store.archive({ olderThan: new Date(cutoff) });
    const row = await ctx.knex(store.archiveTableName).where({ id: oldIds[0] }).first();
    expect(row).to.include({ tenant: 'acme', chain_id: 'writer-1', prev_hash: 'a'.repeat(64), hash: 'b'.repeat(64) });
    expect(Number(row.seq)).to.equal(7);
  });

  it('stops between batches when aborted; committed batches stay and a re-run finishes', async () => {
    const store = await openStore(ctx.knex, tables);
    const cutoff = Date.UTC(2025, 0, 1);
    const { oldIds } = await seed(store, { old: 50, young: 0, cutoff });
    const controller = new AbortController();
    const err = await store
      .archive({
        olderThan: new Date(cutoff),
        batchSize: 10,
        signal: controller.signal,
        onProgress: (p) => p.batches === 2 && controller.abort(),
      })
      .catch((e) => e);
    expect(err).to.be.instanceOf(AbortedError);
    expect(err.code).to.equal('AUDIT_ABORTED');
    expect(err.message).to.match(/after 20 event\(s\) in 2 batch/);
    expect((await idsOf(ctx.knex, store.archiveTableName)).length).to.equal(20);
    const rest = await store.archive({ olderThan: new Date(cutoff), batchSize: 10 });
    expect(rest.archived).to.equal(30);
    expect((await idsOf(ctx.knex, store.archiveTableName)).sort()).to.deep.equal(oldIds);

    const pre = new AbortController();
    pre.abort();
    expect(await store.archive({ olderThan: 1, signal: pre.signal }).catch((e) => e)).to.be.instanceOf(AbortedError);
  });

  it('reports a failure as ArchiveError with the committed progress', async () => {
    const store = await openStore(ctx.knex, tables);
    const cutoff = Date.UTC(2025, 0, 1);
    await seed(store, { old: 30, young: 0, cutoff });
    const err = await store
      .archive({
        olderThan: new Date(cutoff),
        batchSize: 10,
        onProgress: () => {
          throw new Error('progress sink broke');
        },
      })
      .catch((e) => e);
    expect(err).to.be.instanceOf(ArchiveError);
    expect(err.code).to.equal('AUDIT_ARCHIVE_FAILED');
    expect(err).to.include({ archived: 10, batches: 1 });
    expect(err.cause.message).to.equal('progress sink broke');
    expect((await idsOf(ctx.knex, store.archiveTableName)).length).to.equal(10); // committed, kept
  });

  it('neither duplicates nor loses a row already present in both tables', async () => {
    const store = await openStore(ctx.knex, tables);
    const cutoff = Date.UTC(2025, 0, 1);
    const { oldIds, youngIds } = await seed(store, { old: 5, young: 0, cutoff });
    // A leftover from some earlier, non-transactional tool: the row is in both tables.
    const copy = await ctx.knex(store.tableName).where({ id: oldIds[2] }).first();
    await ctx.knex(store.archiveTableName).insert({ ...copy, archived_at: copy.created_at });
    const result = await store.archive({ olderThan: new Date(cutoff) });
    expect(result.archived).to.equal(5);
    expect((await idsOf(ctx.knex, store.archiveTableName)).sort()).to.deep.equal(oldIds);
    expect(await idsOf(ctx.knex, store.tableName)).to.deep.equal(youngIds);
  });

  it('refuses to run when the archive table lacks a column of the event table', async () => {
    const store = await openStore(ctx.knex, tables);
    const cutoff = Date.UTC(2025, 0, 1);
    await seed(store, { old: 3, young: 0, cutoff });
    await ctx.knex.schema.alterTable(store.tableName, (t) => t.string('added_by_hand'));
    const err = await store.archive({ olderThan: new Date(cutoff) }).catch((e) => e);
    expect(err).to.be.instanceOf(ConfigurationError);
    expect(err.message).to.match(/lacks column\(s\) added_by_hand/);
    expect((await idsOf(ctx.knex, store.archiveTableName)).length).to.equal(0);
  });

  it('rejects bad options with ConfigurationError before any SQL', async () => {
    const store = await openStore(ctx.knex, tables);
    const counter = countQueries(ctx.knex, /./);
    try {
      for (const options of [
        { olderThan: 'yesterday' },
        { olderThan: -1 },
        { olderThan: Number.NaN },
        { olderThan: new Date('nope') },
        {},
        { olderThan: 1, batchSize: 0 },
        { olderThan: 1, batchSize: 10_001 },
        { olderThan: 1, onProgress: 'x' },
        { olderThan: 1, signal: {} },
        { olderThan: 1, dryRun: 'yes' },
      ]) {
        const err = await store.archive(options).catch((e) => e);
        expect(err, JSON.stringify(options)).to.be.instanceOf(ConfigurationError);
      }
      expect(await store.countArchivable('soon').catch((e) => e)).to.be.instanceOf(ConfigurationError);
    } finally {
      counter.stop();
    }
    expect(counter.count).to.equal(0);
  });
});
