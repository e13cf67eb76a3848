// Fault tests, live: ingest workers SIGKILLed mid-batch, and the NATS server SIGKILLed and
// restarted under load (store callers and HTTP clients of an Express and a Koa app). Exactly-once
// must hold through both: every acknowledged event stored once, none twice; callers during the
// outage get typed errors within their timeout (503s with the error's code over HTTP), never a hang.
import { expect } from 'chai';
import { StoreTimeoutError, StoreWriteError } from '@audit-events/core';
import { KnexEventStore } from '@audit-events/knex';
import { JetStreamEventStore, ensureAuditStream, ensureIngestConsumer, ingestAuditEvents } from '@audit-events/nats';
import { forEachDialect, uniqueTable } from '../helpers/databases.js';
import { dbUrl } from '../cli/harness.js';
import { startNatsServer } from './nats-server.js';
import { liveNats, makeEvent, natsClient, rowCounts, stopNats, waitUntil } from './fixtures.js';
import { startIngestWorker } from './workers.js';
import { startAppLoad } from './app-load.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('@audit-events/nats faults (live nats-server)', function () {
  let server;
  let client;
  before(async function () {
    ({ server, client } = await liveNats(this));
  });
  after(() => stopNats({ server, client }));

  forEachDialect(
    'ingest workers SIGKILLed',
    (ctx, dialect) => {
      it('up to 5 workers killed at random points mid-ingest: nothing lost, nothing stored twice', async function () {
        this.timeout(120_000);
        const stream = `KILL_${dialect.toUpperCase()}_${Date.now().toString(36).toUpperCase()}`;
        const prefix = stream.toLowerCase();
        await ensureAuditStream(client.jsm, { name: stream, subjects: [`${prefix}.>`] });
        const table = uniqueTable('kill');
        const sql = new KnexEventStore(ctx.knex, { tableName: table, archiveTableName: `${table}_a` });
        await sql.migrate();
        const store = new JetStreamEventStore({ nc: client.nc, stream, subjectPrefix: `${prefix}.events` });
        const total = 6000;
        const events = Array.from({ length: total }, (_, i) => makeEvent({ objectId: String(i) }));
        for (let i = 0; i < total; i += 500) await Promise.all(events.slice(i, i + 500).map((e) => store.save([e])));
        const options = {
          url: server.url,
          stream,
          prefix: `${prefix}.events`,
          deadLetter: `${prefix}-dead`,
          db: dbUrl(dialect, ctx),
          table,
          batchSize: 200,
          ackWait: 1,
        };
        const kills = [];
        try {
          for (let k = 0; k < 5; k++) {
            // A fast worker may leave too little for another kill to land mid-ingest: stop killing then.
            if ((await rowCounts(ctx.knex, table)).rows >= total - 400) break;
            const worker = startIngestWorker(options);
            // Kill it at a random moment of its work: after 1 to 4 committed batches, plus 0-100 ms.
            const target = (await rowCounts(ctx.knex, table)).rows + 200 * (1 + Math.floor(Math.random() * 4));
            await waitUntil(
              async () =>
                (await rowCounts(ctx.knex, table)).rows >= Math.min(target, total - 1) ||
                worker.child.exitCode !== null,
              { timeoutMs: 30_000, everyMs: 5, what: 'batches' },
            );
            await sleep(Math.floor(Math.random() * 100));
            worker.child.kill('SIGKILL');
            const exit = await worker.done;
            expect(exit.signal, exit.stderr).to.equal('SIGKILL');
            kills.push((await rowCounts(ctx.knex, table)).rows);
          }
          const last = startIngestWorker(options);
          await waitUntil(async () => (await rowCounts(ctx.knex, table)).rows >= total, {
            timeoutMs: 60_000,
            what: 'the last worker',
          });
          // Redeliveries of the killed workers' batches may still be on their way: let them land.
          await waitUntil(async () => (await client.jsm.consumers.info(stream, 'audit-ingest')).num_ack_pending === 0, {
            what: 'acks',
          });
          await last.started;
          last.child.kill('SIGTERM');
          const exit = await last.done;
          expect(exit.code, exit.stderr).to.equal(0);
          const done = JSON.parse(exit.stdout.trim().split('\n').at(-1));
          this.test.title += ` (rows after each kill: ${kills.join(', ')}; last worker saw ${done.redelivered} redelivered)`;
          expect(kills.filter((rows) => rows < total).length, 'kills that landed while work remained').to.be.at.least(
            2,
          );
          expect(await rowCounts(ctx.knex, table)).to.deep.equal({ rows: total, duplicates: 0 });
          const ids = new Set((await ctx.knex(table).select('id')).map((r) => r.id));
          expect(ids).to.deep.equal(new Set(events.map((e) => e.id)));
        } finally {
          await ctx.knex.schema.dropTableIfExists(table);
          await ctx.knex.schema.dropTableIfExists(`${table}_a`);
        }
      });
    },
    { dialects: ['postgres', 'mysql'] },
  );

  forEachDialect(
    'NATS server restarted under load',
    (ctx) => {
      it('acknowledged events survive a SIGKILL of the server; callers in the outage get typed errors within their timeout', async function () {
        this.timeout(120_000);
        const own = await startNatsServer();
        const table = uniqueTable('restart');
        const sql = new KnexEventStore(ctx.knex, {
          tableName: table,
          archiveTableName: `${table}_a`,
          duplicateIds: 'ignore',
        });
        await sql.migrate();
        const timeoutMs = 1000;
        let ingestClient;
        let apps;
        try {
          const setup = await natsClient(own.url);
          await ensureAuditStream(setup.jsm);
          await setup.nc.close();
          const store = new JetStreamEventStore({ servers: own.url, stream: 'AUDIT', publishTimeoutMs: timeoutMs });
          await store.save([makeEvent()]).catch(() => {});
          const acked = new Set();
          const outcomes = { acked: 0, timeout: 0, writeError: 0, other: [] };
          let slowest = 0;
          let stop = false;
          const caller = async () => {
            while (!stop) {
              const event = makeEvent();
              const started = Date.now();
              try {
                await store.save([event]);
                acked.add(event.id);
                outcomes.acked++;
              } catch (err) {
                if (err instanceof StoreTimeoutError) outcomes.timeout++;
                else if (err instanceof StoreWriteError) outcomes.writeError++;
                else outcomes.other.push(err);
                await sleep(20);
              }
              slowest = Math.max(slowest, Date.now() - started);
            }
          };
          const callers = Array.from({ length: 10 }, caller);
          apps = await startAppLoad({ servers: own.url, stream: 'AUDIT', publishTimeoutMs: timeoutMs });
          await sleep(1000);
          const ackedBeforeKill = acked.size;
          await own.kill('SIGKILL');
          await sleep(1500);
          const ackedAfterOutage = outcomes.acked;
          await own.restart();
          const restartedAt = performance.now();
          // The clients reconnect within reconnectTimeWait; wait for acks through the store and
          // both apps rather than sleep a guess, then keep the load a moment.
          await waitUntil(() => outcomes.acked > ackedAfterOutage && apps.ackedSentAfter(restartedAt) >= 20, {
            timeoutMs: 60_000,
            everyMs: 100,
            what: 'writes to resume after the restart',
          });
          await sleep(500);
          stop = true;
          await Promise.all(callers);
          await store.close();
          const answers = await apps.stop();
          for (const a of Object.values(answers)) for (const r of a.acked) acked.add(r.json.eventId);

          // Everything the stream holds goes to SQL; every acknowledged id must be there.
          ingestClient = await natsClient(own.url);
          const consumer = await ensureIngestConsumer(ingestClient.jsm, ingestClient.js, 'AUDIT');
          const ac = new AbortController();
          await ingestAuditEvents({
            js: ingestClient.js,
            consumer,
            store: sql,
            signal: ac.signal,
            onBatch: (b) => b.pending === 0 && ac.abort(),
          });
          const ids = new Set((await ctx.knex(table).select('id')).map((r) => r.id));
          const lost = [...acked].filter((id) => !ids.has(id));
          const byFramework = Object.entries(answers).map(
            ([f, a]) => `${f}: ${a.acked.length} acked, ${a.typed.length} typed errors, slowest ${a.slowestMs} ms`,
          );
          this.test.title += ` (callers: ${outcomes.acked} acked, ${ackedBeforeKill} before the kill, ${outcomes.timeout} timeouts, ${outcomes.writeError} write errors, slowest call ${slowest} ms; ${byFramework.join('; ')})`;
          expect(outcomes.other).to.deep.equal([]);
          expect(outcomes.timeout + outcomes.writeError).to.be.above(0);
          expect(outcomes.acked).to.be.above(ackedBeforeKill); // writes resumed after the restart
          expect(slowest, 'no call outlives its timeout by more than a busy machine explains').to.be.below(
            timeoutMs + 5000,
          );
          for (const [framework, a] of Object.entries(answers)) {
            expect(a.other, `${framework}: answers neither acked nor a typed store error`).to.deep.equal([]);
            expect(
              a.typed.length,
              `${framework}: requests in the outage answered 503 with a typed store error`,
            ).to.be.above(0);
            expect(
              a.acked.filter((r) => r.sentAt > restartedAt).length,
              `${framework}: requests acknowledged after the restart`,
            ).to.be.above(0);
            expect(
              a.slowestMs,
              `${framework}: no request outlives the store's timeout by more than a busy machine explains`,
            ).to.be.below(timeoutMs + 5000);
          }
          expect(lost).to.deep.equal([]);
          expect((await rowCounts(ctx.knex, table)).duplicates).to.equal(0);
        } finally {
          await apps?.stop();
          await ingestClient?.nc.close();
          await own.stop();
          await ctx.knex.schema.dropTableIfExists(table);
          await ctx.knex.schema.dropTableIfExists(`${table}_a`);
        }
      });
    },
    { dialects: ['postgres'] },
  );

  forEachDialect(
    'an ingest worker running through a server restart',
    (ctx) => {
      it('keeps fetching after the server comes back: failed fetches are reported and retried, not fatal', async function () {
        this.timeout(120_000);
        const own = await startNatsServer();
        const table = uniqueTable('ride');
        const sql = new KnexEventStore(ctx.knex, {
          tableName: table,
          archiveTableName: `${table}_a`,
          duplicateIds: 'ignore',
        });
        await sql.migrate();
        const publisher = new JetStreamEventStore({ servers: own.url, stream: 'AUDIT', publishTimeoutMs: 2000 });
        const worker = await natsClient(own.url, { maxReconnectAttempts: -1, reconnectTimeWait: 100 });
        const ac = new AbortController();
        const errors = [];
        try {
          await ensureAuditStream(worker.jsm);
          const consumer = await ensureIngestConsumer(worker.jsm, worker.js, 'AUDIT');
          const before = Array.from({ length: 50 }, () => makeEvent());
          await Promise.all(before.map((e) => publisher.save([e])));
          // The real store, with every id it is handed counted: a SIGKILLed nats-server may come
          // back with its consumer's ack state behind what it confirmed, and redeliver those.
          const handed = new Map();
          const store = {
            save: (events) => {
              for (const e of events) handed.set(e.id, (handed.get(e.id) ?? 0) + 1);
              return sql.save(events);
            },
          };
          const running = ingestAuditEvents({
            js: worker.js,
            consumer,
            store,
            signal: ac.signal,
            retryDelayMs: 200,
            onError: (err, kind) => errors.push(kind),
          });
          await waitUntil(async () => (await rowCounts(ctx.knex, table)).rows === 50, {
            what: 'the first events ingested',
          });
          await waitUntil(async () => (await consumer.info()).num_ack_pending === 0, {
            what: 'the first events acknowledged',
          });
          await own.kill('SIGKILL');
          await sleep(2500); // the worker's fetches fail (heartbeats missed, timeouts) meanwhile
          await own.restart();
          const after = Array.from({ length: 50 }, () => makeEvent());
          await waitUntil(
            () =>
              Promise.all(after.map((e) => publisher.save([e]))).then(
                () => true,
                () => false,
              ),
            { timeoutMs: 30_000, everyMs: 250, what: 'publishing after the restart' },
          );
          await waitUntil(async () => (await rowCounts(ctx.knex, table)).rows === 100, {
            timeoutMs: 60_000,
            what: 'the events published after the restart ingested by the same worker',
          });
          ac.abort();
          const totals = await running;
          // Each event handed to the store once, except ids acknowledged before the kill that the
          // restarted server delivered again (written again as no-ops); none published after it.
          expect(handed.size).to.equal(100);
          const again = [...handed].filter(([, n]) => n > 1).map(([id]) => id);
          expect(again.filter((id) => !before.some((e) => e.id === id))).to.deep.equal([]);
          expect(totals.stored).to.equal(100 + again.reduce((n, id) => n + handed.get(id) - 1, 0));
          expect((await rowCounts(ctx.knex, table)).duplicates).to.equal(0);
          expect(errors.every((kind) => kind === 'fetch')).to.equal(true);
          expect(totals.fetchErrors).to.equal(errors.length);
        } finally {
          ac.abort();
          await publisher.close().catch(() => {});
          await worker.nc.close().catch(() => {});
          await own.stop();
          await ctx.knex.schema.dropTableIfExists(table);
          await ctx.knex.schema.dropTableIfExists(`${table}_a`);
        }
      });
    },
    { dialects: ['postgres'] },
  );
});
