// archive: rows/s moved by store.archive() vs raw INSERT…SELECT + DELETE batches, and peak RSS of
// the archiving process at two table sizes (flat memory means the archive streams in batches).
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { KnexEventStore } from '@audit-events/knex';
import { newEventId } from '@audit-events/core';
import { BENCH_DIALECTS, benchKnexConfig, openKnex } from '../lib/databases.mjs';
import { summarize } from '../lib/stats.mjs';
import { finishSuite } from '../lib/report.mjs';

const worker = fileURLToPath(new URL('../workers/archive-worker.mjs', import.meta.url));
const BATCH = 1000;

function runWorker(args) {
  return new Promise((resolve, reject) => {
    const child = fork(worker, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result;
    child.on('message', (m) => (result = m));
    child.on('exit', (code) =>
      code === 0 && result ? resolve(result) : reject(new Error(`archive worker exited ${code}`)),
    );
  });
}

async function seed(store, rows) {
  const old = Date.now() - 90 * 86_400_000;
  for (let done = 0; done < rows;) {
    const events = [];
    for (let i = 0; i < 5000 && done < rows; i++, done++) {
      const t = old + done;
      events.push({
        id: newEventId(t),
        createdAt: new Date(t),
        contentType: 'order',
        objectId: String(done % 5000),
        content: { status: 'paid', total: done, note: 'x'.repeat(64) },
        userId: String(done % 100),
        userRepr: 'user',
        url: 'http://127.0.0.1/orders',
        method: 'POST',
        ip: '127.0.0.1',
        requestId: newEventId(t),
        userAgent: 'bench',
        queryParams: null,
        postData: { total: done },
        headers: null,
      });
    }
    await store.save(events);
  }
}

export async function archive({ quick }) {
  // AUDIT_BENCH_ARCHIVE_SIZES=100000,1000000 overrides the two table sizes.
  const sizes =
    process.env.AUDIT_BENCH_ARCHIVE_SIZES?.split(',').map(Number) ?? (quick ? [5_000, 20_000] : [100_000, 1_000_000]);
  const dialects = quick ? ['sqlite'] : BENCH_DIALECTS;
  const runs = quick ? 1 : Number(process.env.AUDIT_BENCH_ARCHIVE_RUNS ?? 1);
  const rows = [];
  for (const dialect of dialects) {
    for (const size of sizes) {
      const samples = { ours: [], raw: [] };
      const rss = { ours: [], raw: [] };
      for (let run = 0; run < runs; run++) {
        for (const mode of ['raw', 'ours']) {
          const config = benchKnexConfig(dialect, `archive-${size}-${mode}-${run}`);
          const knex = await openKnex(config);
          const table = `bench_arch_${mode}_${run}`;
          const store = new KnexEventStore(knex, { tableName: table, archiveTableName: `${table}_archive` });
          await knex.schema.dropTableIfExists(table);
          await knex.schema.dropTableIfExists(`${table}_archive`);
          await store.migrate();
          await seed(store, size);
          await store.close();
          const result = await runWorker([JSON.stringify(config), table, `${table}_archive`, mode, String(BATCH)]);
          const [{ live }] = await knex(table).count({ live: '*' });
          const [{ archived }] = await knex(`${table}_archive`).count({ archived: '*' });
          await knex.schema.dropTableIfExists(table);
          await knex.schema.dropTableIfExists(`${table}_archive`);
          await knex.destroy();
          if (Number(live) !== 0 || Number(archived) !== size || result.moved !== size) {
            throw new Error(`${dialect} ${mode}: moved ${result.moved}, live ${live}, archived ${archived} of ${size}`);
          }
          samples[mode].push(size / result.seconds);
          rss[mode].push(result.maxRssMB);
        }
      }
      const label = `${dialect} ${size.toLocaleString('en-US')}`;
      rows.push({ name: `${label} raw`, unit: 'rows/s', ...summarize(samples.raw) });
      rows.push({
        name: `${label} archive()`,
        unit: 'rows/s',
        ...summarize(samples.ours),
        baseline: `${label} raw`,
        target: 0.8,
      });
      rows.push({ name: `${label} archive() peak RSS`, unit: 'MB', ...summarize(rss.ours) });
    }
    if (sizes.length < 2) continue; // one size: no growth to report
    const [small, large] = sizes.map((s) =>
      rows.find((r) => r.name === `${dialect} ${s.toLocaleString('en-US')} archive() peak RSS`),
    );
    rows.push({
      name: `${dialect} RSS growth ${sizes[0].toLocaleString('en-US')}→${sizes[1].toLocaleString('en-US')}`,
      unit: 'MB',
      median: large.median - small.median,
      spread: 0,
      targetText: '≤ 50 MB',
      pass: large.median - small.median <= 50,
    });
  }
  return finishSuite('archive', rows, [
    `batch size ${BATCH}; each archive runs in a fresh process (peak RSS = its maxRSS); table seeded 90 days old`,
  ]);
}
