// export: rows/s of store.export() and of `audit-events export --out` over SQLite, against
// hand-written keyset pages, with the RSS of each run at 10%, 50% and 100% of the rows (flat
// memory means an export streams in pages whatever the table's size).
import { fork } from 'node:child_process';
import { createReadStream, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KnexEventStore } from '@audit-events/knex';
import { newEventId } from '@audit-events/core';
import { benchKnexConfig, openKnex } from '../lib/databases.mjs';
import { summarize } from '../lib/stats.mjs';
import { finishSuite } from '../lib/report.mjs';

const worker = fileURLToPath(new URL('../workers/export-worker.mjs', import.meta.url));
const TABLE = 'bench_export';
const COLUMNS = [
  'id',
  'created_at',
  'content_type',
  'object_id',
  'content',
  'user_id',
  'user_repr',
  'url',
  'method',
  'ip',
  'request_id',
  'user_agent',
  'post_data',
];
// 13 columns × 500 rows = 6500 bound values, under SQLite's 32 766.
const ROWS_PER_INSERT = 500;

function runWorker(args) {
  return new Promise((resolve, reject) => {
    const child = fork(worker, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result;
    child.on('message', (m) => (result = m));
    child.on('exit', (code) =>
      code === 0 && result ? resolve(result) : reject(new Error(`export worker exited ${code}`)),
    );
  });
}

/** Multi-row INSERTs in one transaction: a million rows in seconds, not through the store's writer. */
async function seed(knex, rows) {
  const start = Date.now() - 30 * 86_400_000;
  const placeholders = `(${COLUMNS.map(() => '?').join(', ')})`;
  await knex.transaction(async (trx) => {
    for (let done = 0; done < rows;) {
      const n = Math.min(ROWS_PER_INSERT, rows - done);
      const values = [];
      for (let i = 0; i < n; i++, done++) {
        const t = start + done;
        values.push(
          newEventId(t),
          t,
          'order',
          String(done % 5000),
          JSON.stringify({ status: 'paid', total: done, note: 'x'.repeat(64) }),
          String(done % 100),
          'user',
          'http://127.0.0.1/orders',
          'POST',
          '127.0.0.1',
          newEventId(t),
          'bench',
          JSON.stringify({ total: done }),
        );
      }
      await trx.raw(
        `insert into ${TABLE} (${COLUMNS.join(', ')}) values ${Array(n).fill(placeholders).join(', ')}`,
        values,
      );
    }
  });
}

export async function exportSuite({ quick }) {
  // AUDIT_BENCH_EXPORT_ROWS overrides the table size.
  const size = Number(process.env.AUDIT_BENCH_EXPORT_ROWS ?? (quick ? 50_000 : 1_000_000));
  const config = benchKnexConfig('sqlite', `export-${size}`);
  const knex = await openKnex(config);
  const store = new KnexEventStore(knex, { tableName: TABLE, archiveTableName: `${TABLE}_archive` });
  await knex.schema.dropTableIfExists(TABLE);
  await knex.schema.dropTableIfExists(`${TABLE}_archive`);
  await store.migrate();
  const seeding = Date.now();
  await seed(knex, size);
  const seedSeconds = (Date.now() - seeding) / 1000;
  await store.close();
  await knex.destroy();
  // Read the database file once so the first measured pass does not pay for a cold page cache.
  for await (const _chunk of createReadStream(config.sqliteFile, { highWaterMark: 1 << 20 }));
  const out = join(fileURLToPath(new URL('.', import.meta.url)), `../results/export-${process.pid}.ndjson`);
  const label = `sqlite ${size.toLocaleString('en-US')}`;
  const rows = [];
  const names = { raw: 'keyset pages (raw)', export: 'store.export()', cli: 'cli export --out (ndjson)' };
  try {
    for (const mode of ['raw', 'export', 'cli']) {
      const result = await runWorker([config.sqliteFile, TABLE, mode, String(size), out]);
      if (result.rows !== size) throw new Error(`${mode}: exported ${result.rows} of ${size}`);
      const name = `${label} ${names[mode]}`;
      rows.push({
        name,
        unit: 'rows/s',
        ...summarize([size / result.seconds]),
        ...(mode === 'raw' ? {} : { baseline: `${label} ${names.raw}`, target: mode === 'export' ? 0.5 : 0.25 }),
      });
      const { at10, at50, at100 } = result.rssMB;
      for (const [at, value] of [
        ['10%', at10],
        ['50%', at50],
        ['100%', at100],
      ])
        rows.push({ name: `${name} RSS at ${at}`, unit: 'MB', ...summarize([value]) });
      if (mode !== 'raw') {
        const growth = Math.max(at50, at100) - at10;
        rows.push({
          name: `${name} RSS growth 10%→100%`,
          unit: 'MB',
          median: growth,
          spread: 0,
          targetText: '≤ 50 MB',
          pass: growth <= 50,
        });
      }
    }
  } finally {
    rmSync(out, { force: true });
    rmSync(config.sqliteFile, { force: true });
  }
  return finishSuite('export', rows, [
    `${size.toLocaleString('en-US')} rows seeded in ${seedSeconds.toFixed(1)} s (multi-row INSERTs, one transaction); pages of 1000; each pass in a fresh process`,
  ]);
}
