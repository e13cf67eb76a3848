// Crash during archive: an archiver process is SIGKILLed at random moments in several runs while
// this process keeps inserting new events, some of them backdated so the archiver races for them.
// After every kill each event is in exactly one table; a final run then completes the job:
// archive + live = original + newly inserted, every old event archived, every young one live.
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import knexFactory from 'knex';
import { newEventId } from '@audit-events/core';
import { KnexEventStore, sqliteKnexConfig } from '@audit-events/knex';
import { forEachDialect, tempDir, uniqueTable } from '../helpers/databases.js';
import { startNode } from '../helpers/child-process.js';
import { dropTables, expectSameSet, unique } from './support.js';

const ARCHIVER = fileURLToPath(new URL('../fixtures/reliability/archiver.mjs', import.meta.url));
const CUTOFF = Date.UTC(2025, 0, 1);
const DAY = 86_400_000;
const ORIGINAL_OLD = 4000;
const ORIGINAL_YOUNG = 300;
const KILLS = 4;
/** A kill point: after a random number of committed batches (0 included), plus a random few ms,
 *  which lands the SIGKILL between two batches or inside one's transaction. The archiver kills
 *  itself there (from a thread of its own), so the point does not drift with this process's load. */
const MAX_BATCHES_BEFORE_KILL = 25;
const MAX_EXTRA_DELAY_MS = 12;
/** The writer's pause between its batches: it keeps inserting throughout every run without taking
 *  the CPU and the database's commits from the archiver on a loaded machine. */
const WRITER_PAUSE_MS = 5;

function event(createdAt, n) {
  return {
    id: newEventId(),
    createdAt: new Date(createdAt),
    contentType: 'Order',
    objectId: String(n),
    content: { n },
  };
}

/** Inserts batches of 10 events until stopped, every other batch backdated (archivable). */
function startWriter(store) {
  const acked = new Set();
  const notStored = new Set();
  const unknown = new Set();
  const old = new Set();
  let stopped = false;
  let n = 0;
  const done = (async () => {
    while (!stopped) {
      const backdated = n % 20 === 0;
      const events = Array.from({ length: 10 }, () => {
        n++;
        return event(backdated ? CUTOFF - 1 - ((n * 7919) % (10 * DAY)) : CUTOFF + n * 1000, n);
      });
      if (backdated) for (const e of events) old.add(e.id);
      try {
        await store.save(events);
        for (const e of events) acked.add(e.id);
      } catch (err) {
        const bucket = err.code === 'AUDIT_STORE_TIMEOUT' || err.outcomeUnknown ? unknown : notStored;
        for (const e of events) bucket.add(e.id);
      }
      await new Promise((resolve) => setTimeout(resolve, WRITER_PAUSE_MS));
    }
  })();
  return {
    acked,
    notStored,
    unknown,
    old,
    async stop() {
      stopped = true;
      await done;
    },
  };
}

/**
 * Every id of the event table and of its archive, read by ONE statement, so from one snapshot.
 * Two reads (live, then archive) are not a check of "each event in exactly one table": a batch
 * committing between them shows its ids in both. That happens after a SIGKILL too: a COMMIT the
 * archiver sent before dying is still executed by the server, possibly after the process is gone.
 */
async function idsByTable(knex, tableName, archiveTableName) {
  const rows = await knex(tableName)
    .select('id', knex.raw('0 as in_archive'))
    .unionAll((q) => q.select('id', knex.raw('1 as in_archive')).from(archiveTableName));
  const live = [];
  const archived = [];
  for (const row of rows) (Number(row.in_archive) === 1 ? archived : live).push(String(row.id).trim());
  return { live, archived };
}

forEachDialect('reliability: SIGKILL during archive, with writers still inserting', (ctx, dialect) => {
  const tables = [];
  let knex;
  let filename;
  before(() => {
    if (dialect === 'sqlite') {
      filename = join(tempDir(), `${uniqueTable('crash')}.sqlite`);
      knex = knexFactory(sqliteKnexConfig(filename, { driver: ctx.driver }));
    } else {
      knex = ctx.knex;
    }
  });
  afterEach(() => dropTables(knex, tables));
  after(async () => {
    if (dialect === 'sqlite') await knex.destroy();
  });

  it('the check reads both tables at one instant: no id shows in both while batches commit', async () => {
    const tableName = uniqueTable('rl_snap');
    const archiveTableName = `${tableName}_arc`;
    tables.push(tableName, archiveTableName);
    const store = new KnexEventStore(knex, { tableName, archiveTableName });
    await store.migrate();
    await store.save(Array.from({ length: 600 }, (_, i) => event(CUTOFF - 1 - i * 1000, i)));
    let running = true;
    const run = store.archive({ olderThan: new Date(CUTOFF), batchSize: 5 }).finally(() => (running = false));
    let reads = 0;
    let sawBothSides = false;
    while (running) {
      const { live, archived } = await idsByTable(knex, tableName, archiveTableName);
      const liveSet = new Set(live);
      expect(
        archived.filter((id) => liveSet.has(id)),
        `ids in both tables (read ${reads})`,
      ).to.deep.equal([]);
      expect(live.length + archived.length).to.equal(600);
      if (live.length > 0 && archived.length > 0) sawBothSides = true;
      reads++;
      // A turn of the event loop: with better-sqlite3 both the reads and the archive run on
      // microtasks, and the archive waits for a macrotask between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect((await run).archived).to.equal(600);
    expect(sawBothSides, `${reads} reads during the run`).to.equal(true);
  });

  it(`${KILLS} runs killed at random points, then a full run: archive + live = original + inserted, nothing twice`, async function () {
    const tableName = uniqueTable('rl_arc');
    const archiveTableName = `${tableName}_arc`;
    tables.push(tableName, archiveTableName);
    const store = new KnexEventStore(knex, { tableName, archiveTableName });
    await store.migrate();
    const original = [];
    for (let i = 0; i < ORIGINAL_OLD; i++) original.push(event(CUTOFF - 1 - ((i * 104_729) % (60 * DAY)), i));
    for (let i = 0; i < ORIGINAL_YOUNG; i++) original.push(event(CUTOFF + i * 1000, i));
    await store.save(original);
    const originalIds = original.map((e) => e.id);
    const originalOld = new Set(originalIds.slice(0, ORIGINAL_OLD));
    const job = {
      dialect,
      driver: ctx.driver,
      filename,
      tableName,
      olderThan: new Date(CUTOFF).toISOString(),
      batchSize: 25,
    };

    /** Each event in exactly one table; everything that must exist does, nothing refused does. */
    async function checkInvariants(writer) {
      const mustExist = [...originalIds, ...writer.acked]; // committed before the reads below
      const { live, archived } = await idsByTable(knex, tableName, archiveTableName);
      unique(archived, 'archived ids');
      unique(live, 'live ids');
      const liveSet = new Set(live);
      expect(
        archived.filter((id) => liveSet.has(id)),
        'ids in both tables',
      ).to.deep.equal([]);
      const all = new Set([...live, ...archived]);
      expect(
        mustExist.filter((id) => !all.has(id)),
        'committed events missing',
      ).to.deep.equal([]);
      expect(
        [...writer.notStored].filter((id) => all.has(id)),
        'refused events stored',
      ).to.deep.equal([]);
      return { live, archived, all };
    }

    const writer = startWriter(store);
    const delays = [];
    let killedMidRun = 0;
    try {
      for (let round = 0; round < KILLS; round++) {
        const batches = Math.floor(Math.random() * (MAX_BATCHES_BEFORE_KILL + 1));
        const delay = Math.floor(Math.random() * MAX_EXTRA_DELAY_MS);
        delays.push(`${batches}+${delay}ms`);
        const archiver = startNode(ARCHIVER, [JSON.stringify({ ...job, killAfter: { batches, delayMs: delay } })]);
        const { signal } = await archiver.exited;
        expect(archiver.lines, archiver.stderr()).to.include('ready');
        if (signal === 'SIGKILL' && !archiver.lines.some((l) => l.startsWith('done '))) killedMidRun++;
        expect(
          archiver.lines.filter((l) => l.startsWith('error ')),
          archiver.stderr(),
        ).to.deep.equal([]);
        await checkInvariants(writer);
      }
    } finally {
      await writer.stop();
    }
    expect(killedMidRun, `kill points ${delays.join(', ')}`).to.equal(KILLS);
    expect(writer.acked.size, 'events inserted during the runs').to.be.above(0);

    // The final run only has to finish the job: big batches, a few commits instead of hundreds.
    const last = startNode(ARCHIVER, [JSON.stringify({ ...job, batchSize: 500 })]);
    const { code } = await last.exited;
    expect(code, `${last.lines.join('\n')}\n${last.stderr()}`).to.equal(0);
    const result = JSON.parse(last.lines.find((l) => l.startsWith('done ')).slice(5));
    expect(result.remaining).to.equal(0);

    const { live, archived, all } = await checkInvariants(writer);
    const stored = new Set([...originalIds, ...writer.acked, ...[...writer.unknown].filter((id) => all.has(id))]);
    expectSameSet(all, stored, 'archive + live vs original + inserted');
    const isOld = (id) => originalOld.has(id) || writer.old.has(id);
    expectSameSet(new Set(archived), new Set([...stored].filter(isOld)), 'archive vs every old event');
    expectSameSet(new Set(live), new Set([...stored].filter((id) => !isOld(id))), 'live vs every young event');
    this.test.title +=
      ` [killed after ${delays.join(', ')} (batches+ms); ${writer.acked.size} inserted meanwhile (${[...writer.acked].filter((id) => writer.old.has(id)).length} backdated),` +
      ` ${writer.notStored.size} refused, ${writer.unknown.size} unknown; final run archived ${result.archived}]`;
  });
});
