// Runs one archive pass in its own process so its peak RSS is the archive's alone.
// argv: <json config> <table> <archiveTable> <mode: ours|raw> <batchSize>
import { KnexEventStore } from '@audit-events/knex';
import { openKnex } from '../lib/databases.mjs';

// knex errors carry the whole SQL with every bound id: print only the end (the driver's message).
const fail = (err) => {
  console.error(String(err?.message ?? err).slice(-300));
  process.exit(1);
};
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);
const [config, table, archiveTable, mode, batchArg] = process.argv.slice(2);
const batchSize = Number(batchArg);
const knex = await openKnex(JSON.parse(config));
const cutoff = new Date(Date.now() - 30 * 86_400_000);
const started = process.hrtime.bigint();
let moved = 0;
if (mode === 'ours') {
  const store = new KnexEventStore(knex, { tableName: table, archiveTableName: archiveTable });
  moved = (await store.archive({ olderThan: cutoff, batchSize })).archived;
  await store.close();
} else {
  // The hand-written baseline: batches of INSERT … SELECT then DELETE of the same ids, no locking,
  // no re-run safety. Column lists are read from the live table so the copy is identical.
  const columns = Object.keys(await knex(table).columnInfo());
  for (;;) {
    const n = await knex.transaction(async (trx) => {
      const ids = (
        await trx(table).select('id').where('created_at', '<', cutoff).orderBy('created_at').limit(batchSize)
      ).map((r) => r.id);
      if (ids.length === 0) return 0;
      const list = columns.map(() => '??').join(', ');
      await trx.raw(
        `insert into ?? (${list}, ??) select ${list}, ? from ?? where id in (${ids.map(() => '?').join(', ')})`,
        [archiveTable, ...columns, 'archived_at', ...columns, new Date(), table, ...ids],
      );
      await trx(table).whereIn('id', ids).delete();
      return ids.length;
    });
    if (n === 0) break;
    moved += n;
  }
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
await knex.destroy();
process.send({ moved, seconds, maxRssMB: process.resourceUsage().maxRSS / 1024 });
