// Runs one export pass in its own process so its RSS is the export's alone.
// argv: <sqlite file> <table> <mode: raw|export|cli> <rows> <out file (cli)>
// raw: hand-written keyset pages (select *, no event mapping); export: store.export() iterated;
// cli: `audit-events export --format ndjson --out FILE` in-process (formatting, redaction, file).
// Reports { rows, seconds, rssMB: { at10, at50, at100 }, maxRssMB } over IPC.
import { KnexEventStore } from '@audit-events/knex';
import { openKnex } from '../lib/databases.mjs';

const fail = (err) => {
  console.error(String(err?.stack ?? err).slice(-600));
  process.exit(1);
};
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);
const [file, table, mode, rowsArg, out] = process.argv.slice(2);
const expected = Number(rowsArg);
const mb = () => process.memoryUsage().rss / 1048576;
const rss = {};
// RSS when 10%, 50% and 100% of the rows are through: flat memory means three similar figures.
const mark = (n) => {
  if (n === Math.ceil(expected / 10)) rss.at10 = mb();
  else if (n === Math.ceil(expected / 2)) rss.at50 = mb();
};
const PAGE = 1000;
const started = process.hrtime.bigint();
let rows = 0;
if (mode === 'cli') {
  const { run } = await import('@audit-events/cli');
  // The CLI opens its own connection; RSS is sampled by time (rows flow at a steady rate) and
  // mapped to 10%/50% of the run afterwards.
  const samples = [];
  const timer = setInterval(() => samples.push([Number(process.hrtime.bigint() - started) / 1e9, mb()]), 50);
  const sink = { write: () => true, isTTY: false };
  const code = await run(
    ['node', 'audit-events', 'export', '--db', `sqlite:${file}`, '--table', table, '--out', out, '--force'],
    {
      stdout: sink,
      stderr: { write: (t) => process.stderr.write(t), isTTY: false },
      env: {},
      cwd: process.cwd(),
    },
  );
  clearInterval(timer);
  if (code !== 0) throw new Error(`export exited ${code}`);
  const total = Number(process.hrtime.bigint() - started) / 1e9;
  const at = (f) => (samples.find(([t]) => t >= total * f) ?? samples[samples.length - 1] ?? [0, mb()])[1];
  rss.at10 = at(0.1);
  rss.at50 = at(0.5);
  rows = expected;
} else {
  const knex = await openKnex({ sqliteFile: file });
  if (mode === 'raw') {
    let after = null;
    for (;;) {
      const q = knex(table)
        .select('*')
        .orderBy([{ column: 'created_at' }, { column: 'id' }])
        .limit(PAGE);
      if (after)
        q.where('created_at', '>=', after.t).andWhere((b) =>
          b.where('created_at', '>', after.t).orWhere('id', '>', after.id),
        );
      const page = await q;
      for (let i = 0; i < page.length; i++) mark(++rows);
      if (page.length < PAGE) break;
      const last = page[page.length - 1];
      after = { t: last.created_at, id: last.id };
    }
  } else {
    const store = new KnexEventStore(knex, { tableName: table, archiveTableName: `${table}_archive` });
    for await (const _event of store.export({ pageSize: PAGE })) mark(++rows);
    await store.close();
  }
  await knex.destroy();
}
rss.at100 = mb();
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
process.send({ rows, seconds, rssMB: rss, maxRssMB: process.resourceUsage().maxRSS / 1024 });
