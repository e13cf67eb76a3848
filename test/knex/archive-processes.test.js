import { expect } from 'chai';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import knexFactory from 'knex';
import { KnexEventStore, sqliteKnexConfig } from '@audit-events/knex';
import { startNode } from '../helpers/child-process.js';
import { forEachDialect, tempDir, uniqueTable } from '../helpers/databases.js';
import { dropAll, idsOf, makeEvent } from './support.js';

const WORKER = fileURLToPath(new URL('../fixtures/knex/archive-worker.mjs', import.meta.url));
const DAY = 86_400_000;
const CUTOFF = Date.UTC(2025, 0, 1);

/** Starts the archive worker; `lines` collects its stdout lines, `exited` resolves on exit with its stderr. */
function startWorker(job) {
  const worker = startNode(WORKER, [JSON.stringify(job)]);
  return { ...worker, exited: worker.exited.then((result) => ({ ...result, stderr: worker.stderr() })) };
}

function resultOf(worker) {
  const line = worker.lines.find((l) => l.startsWith('done '));
  if (!line) throw new Error(`worker did not finish: ${worker.lines.join(' | ')}`);
  return JSON.parse(line.slice(5));
}

forEachDialect('Archive across processes', (ctx, dialect) => {
  const tables = [];
  let knex; // SQLite: a WAL file the workers can share; elsewhere the suite's connection
  let filename;

  before(() => {
    if (dialect === 'sqlite') {
      filename = join(tempDir(), `archive-${uniqueTable('p')}.sqlite`);
      knex = knexFactory(sqliteKnexConfig(filename, { driver: ctx.driver }));
    } else {
      knex = ctx.knex;
    }
  });
  afterEach(() => dropAll(knex, tables));
  after(async () => {
    if (dialect === 'sqlite') await knex.destroy();
  });

  /** A migrated table holding `old` events before CUTOFF and `young` after it. */
  async function seeded(old, young) {
    const tableName = uniqueTable('arp');
    const archiveTableName = `${tableName}_arc`;
    tables.push(tableName, archiveTableName);
    const store = new KnexEventStore(knex, { tableName, archiveTableName });
    await store.migrate();
    const events = [];
    for (let i = 0; i < old; i++)
      events.push(makeEvent({ createdAt: new Date(CUTOFF - 1 - ((i * 7919) % (30 * DAY))) }));
    for (let i = 0; i < young; i++) events.push(makeEvent({ createdAt: new Date(CUTOFF + i * 1000) }));
    await store.save(events);
    const job = {
      dialect,
      driver: ctx.driver,
      filename,
      tableName,
      archiveTableName,
      olderThan: new Date(CUTOFF).toISOString(),
      batchSize: 20,
    };
    return {
      job,
      all: events.map((e) => e.id).sort(),
      oldIds: events
        .slice(0, old)
        .map((e) => e.id)
        .sort(),
      youngIds: events
        .slice(old)
        .map((e) => e.id)
        .sort(),
    };
  }

  /** Every event is in exactly one of the two tables. */
  async function expectNothingLostOrDuplicated({ job, all }) {
    const live = await idsOf(knex, job.tableName);
    const archived = await idsOf(knex, job.archiveTableName);
    expect(new Set(archived).size, 'duplicates in the archive').to.equal(archived.length);
    const liveSet = new Set(live);
    expect(
      archived.filter((id) => liveSet.has(id)),
      'rows in both tables',
    ).to.deep.equal([]);
    expect([...live, ...archived].sort(), 'live + archive = original').to.deep.equal(all);
    return { live: live.length, archived: archived.length };
  }

  it('survives SIGKILL at random points: nothing lost, nothing duplicated, a re-run completes', async function () {
    this.timeout(60_000);
    const data = await seeded(2400, 600);
    let killedMidRun = 0;
    let archivedSoFar = 0;
    for (let round = 0; round < 5; round++) {
      const worker = startWorker(data.job);
      await worker.waitFor(/^progress /);
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 25)));
      worker.child.kill('SIGKILL');
      const { signal } = await worker.exited;
      if (signal === 'SIGKILL' && !worker.lines.some((l) => l.startsWith('done '))) killedMidRun++;
      const counts = await expectNothingLostOrDuplicated(data);
      expect(counts.archived).to.be.at.least(archivedSoFar);
      archivedSoFar = counts.archived;
    }
    expect(killedMidRun).to.be.at.least(3);
    expect(archivedSoFar).to.be.below(2400);

    const last = startWorker(data.job);
    const { code, stderr } = await last.exited;
    expect(code, stderr).to.equal(0);
    const result = resultOf(last);
    expect(result.archived).to.equal(2400 - archivedSoFar); // exact, after five crashes
    expect(result.remaining).to.equal(0);
    await expectNothingLostOrDuplicated(data);
    expect((await idsOf(knex, data.job.archiveTableName)).sort()).to.deep.equal(data.oldIds);
    expect((await idsOf(knex, data.job.tableName)).sort()).to.deep.equal(data.youngIds);
  });

  it('lets two archive processes run at once: they share the work, neither duplicating nor losing', async function () {
    this.timeout(60_000);
    const data = await seeded(2000, 100);
    const workers = [startWorker(data.job), startWorker(data.job)];
    const exits = await Promise.all(workers.map((w) => w.exited));
    for (const { code, stderr } of exits) expect(code, stderr).to.equal(0);
    const results = workers.map(resultOf);
    expect(results[0].archived + results[1].archived).to.equal(2000);
    for (const r of results) expect(r.remaining).to.equal(0);
    await expectNothingLostOrDuplicated(data);
    expect((await idsOf(knex, data.job.archiveTableName)).sort()).to.deep.equal(data.oldIds);
  });
});
