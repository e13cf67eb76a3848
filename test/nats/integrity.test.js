// Hash chains with ingest: each `audit-events ingest --integrity` worker appends to a chain of its
// own; one worker is SIGKILLed mid-ingest, and `audit-events verify` still finds every chain intact
// with every event stored once.
import { expect } from 'chai';
import { KnexEventStore } from '@audit-events/knex';
import { JetStreamEventStore, ensureAuditStream } from '@audit-events/nats';
import { forEachDialect, uniqueTable } from '../helpers/databases.js';
import { dbUrl, runBin } from '../cli/harness.js';
import { startIngestWorker } from './workers.js';
import { liveNats, makeEvent, rowCounts, stopNats, waitUntil } from './fixtures.js';

describe('@audit-events/nats ingest with integrity (live nats-server)', function () {
  let server;
  let client;
  before(async function () {
    ({ server, client } = await liveNats(this));
  });
  after(() => stopNats({ server, client }));

  forEachDialect(
    'ingest --integrity',
    (ctx, dialect) => {
      it('one chain per worker; a worker SIGKILLed mid-ingest leaves every chain verifiable and no duplicate', async function () {
        this.timeout(90_000);
        const stream = `CHAIN_${dialect.toUpperCase()}_${Date.now().toString(36).toUpperCase()}`;
        const prefix = stream.toLowerCase();
        await ensureAuditStream(client.jsm, { name: stream, subjects: [`${prefix}.>`] });
        const table = uniqueTable('chain');
        await new KnexEventStore(ctx.knex, { tableName: table, archiveTableName: `${table}_a` }).migrate();
        const store = new JetStreamEventStore({ nc: client.nc, stream, subjectPrefix: `${prefix}.events` });
        const total = 3000;
        const events = Array.from({ length: total }, (_, i) => makeEvent({ objectId: String(i) }));
        for (let i = 0; i < total; i += 500) await Promise.all(events.slice(i, i + 500).map((e) => store.save([e])));
        const db = dbUrl(dialect, ctx);
        const options = {
          url: server.url,
          stream,
          prefix: `${prefix}.events`,
          deadLetter: `${prefix}-dead`,
          db,
          table,
          batchSize: 100,
          ackWait: 1,
          extra: ['--integrity'],
        };
        try {
          const victim = startIngestWorker(options);
          await waitUntil(async () => (await rowCounts(ctx.knex, table)).rows >= 500, { everyMs: 5, what: 'batches' });
          victim.child.kill('SIGKILL');
          await victim.done;
          const workers = [startIngestWorker(options), startIngestWorker(options)];
          await waitUntil(async () => (await rowCounts(ctx.knex, table)).rows >= total, {
            timeoutMs: 60_000,
            what: 'ingest',
          });
          await waitUntil(async () => (await client.jsm.consumers.info(stream, 'audit-ingest')).num_ack_pending === 0, {
            what: 'acks',
          });
          await Promise.all(workers.map((w) => w.started));
          for (const w of workers) w.child.kill('SIGTERM');
          for (const exit of await Promise.all(workers.map((w) => w.done))) expect(exit.code, exit.stderr).to.equal(0);
          expect(await rowCounts(ctx.knex, table)).to.deep.equal({ rows: total, duplicates: 0 });
          const verify = await runBin([
            'verify',
            '--db',
            db,
            '--table',
            table,
            '--archive-table',
            `${table}_a`,
            '--json',
          ]);
          expect(verify.code, verify.stdout + verify.stderr).to.equal(0);
          const report = JSON.parse(verify.stdout.trim().split('\n').at(-1));
          expect(report.ok).to.equal(true);
          const chains = await ctx.knex(table).distinct('chain_id');
          expect(chains.length).to.be.within(2, 3);
          expect(report.validChains).to.equal(chains.length);
          expect(report.logs.reduce((n, log) => n + log.chainedRows, 0)).to.equal(total);
          this.test.title += ` (${chains.length} chains)`;
        } finally {
          await store.close();
          await ctx.knex.schema.dropTableIfExists(table);
          await ctx.knex.schema.dropTableIfExists(`${table}_a`);
        }
      });
    },
    { dialects: ['postgres', 'sqlite'] },
  );
});
