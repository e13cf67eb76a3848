// A 3-node JetStream cluster on loopback with an R3 audit stream: the node leading the stream is
// SIGKILLed under load, from callers of the store and from HTTP clients of an Express and a Koa
// app. Writes must continue (after the new leader is elected), every failure must be a typed
// store error within its timeout, and every event acknowledged before, during or after the kill
// must reach SQL through ingest.
import { expect } from 'chai';
import { StoreTimeoutError, StoreWriteError } from '@audit-events/core';
import { KnexEventStore } from '@audit-events/knex';
import { JetStreamEventStore, ensureAuditStream, ensureIngestConsumer, ingestAuditEvents } from '@audit-events/nats';
import { forEachDialect, uniqueTable } from '../helpers/databases.js';
import { NATS_AVAILABLE, startNatsCluster } from './nats-server.js';
import { makeEvent, natsClient, rowCounts, waitUntil } from './fixtures.js';
import { startAppLoad } from './app-load.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('@audit-events/nats on a 3-node cluster (R3)', function () {
  before(function () {
    if (!NATS_AVAILABLE) {
      if (process.env.CI === 'true') throw new Error('nats-server is not installed');
      this.skip();
    }
  });

  forEachDialect(
    'stream leader SIGKILLed under load',
    (ctx) => {
      it('writes continue on the two remaining nodes and nothing acknowledged is lost', async function () {
        this.timeout(120_000);
        const cluster = await startNatsCluster(3);
        const table = uniqueTable('r3');
        const sql = new KnexEventStore(ctx.knex, {
          tableName: table,
          archiveTableName: `${table}_a`,
          duplicateIds: 'ignore',
        });
        await sql.migrate();
        let client;
        let apps;
        try {
          client = await natsClient(cluster.urls, { maxReconnectAttempts: -1, reconnectTimeWait: 100 });
          // The meta leader is elected a moment after the nodes meet.
          const info = await waitUntil(() => ensureAuditStream(client.jsm, { replicas: 3 }).catch(() => null), {
            timeoutMs: 30_000,
            everyMs: 250,
            what: 'an R3 stream',
          });
          expect(info.config.num_replicas).to.equal(3);
          const store = new JetStreamEventStore({ nc: client.nc, stream: 'AUDIT', publishTimeoutMs: 2000 });
          await waitUntil(
            () =>
              store.save([makeEvent()]).then(
                () => true,
                () => false,
              ),
            { what: 'a first ack' },
          );

          const acked = new Set();
          const outcomes = { timeout: 0, writeError: 0, other: [] };
          let slowest = 0;
          let stop = false;
          let ackedAtKill = 0;
          const caller = async () => {
            while (!stop) {
              const event = makeEvent();
              const started = Date.now();
              try {
                await store.save([event]);
                acked.add(event.id);
              } catch (err) {
                if (err instanceof StoreTimeoutError) outcomes.timeout++;
                else if (err instanceof StoreWriteError) outcomes.writeError++;
                else outcomes.other.push(err);
                await sleep(50);
              }
              slowest = Math.max(slowest, Date.now() - started);
            }
          };
          const callers = Array.from({ length: 10 }, caller);
          apps = await startAppLoad({ servers: cluster.urls, stream: 'AUDIT', publishTimeoutMs: 2000 });
          await sleep(1000);
          const leader = (await client.jsm.streams.info('AUDIT')).cluster.leader;
          const victim = cluster.nodes[Number(leader.slice(1)) - 1];
          ackedAtKill = acked.size;
          const killedAt = performance.now();
          await victim.kill('SIGKILL');
          // The election of a new stream leader takes seconds, more on a busy machine: wait for
          // writes to resume through the store and through both apps, then keep the load a moment.
          await waitUntil(() => acked.size - ackedAtKill >= 50 && apps.ackedSentAfter(killedAt) >= 50, {
            timeoutMs: 60_000,
            everyMs: 100,
            what: 'writes to resume after the kill',
          });
          await sleep(1000);
          stop = true;
          await Promise.all(callers);
          const answers = await apps.stop();
          const ackedAfterKill = acked.size - ackedAtKill;
          const http = {};
          for (const [framework, a] of Object.entries(answers)) {
            for (const r of a.acked) acked.add(r.json.eventId);
            http[framework] = {
              after: a.acked.filter((r) => r.sentAt > killedAt).length,
              typed: a.typed.length,
              slowestMs: a.slowestMs,
            };
          }

          const consumer = await waitUntil(
            () => ensureIngestConsumer(client.jsm, client.js, 'AUDIT').catch(() => null),
            { what: 'the consumer' },
          );
          const ac = new AbortController();
          await ingestAuditEvents({
            js: client.js,
            consumer,
            store: sql,
            signal: ac.signal,
            onBatch: (b) => b.pending === 0 && ac.abort(),
          });
          const ids = new Set((await ctx.knex(table).select('id')).map((r) => r.id));
          const lost = [...acked].filter((id) => !ids.has(id));
          const byFramework = Object.entries(http).map(
            ([f, h]) => `${f}: ${h.after} acked after, ${h.typed} typed errors, slowest ${h.slowestMs} ms`,
          );
          this.test.title += ` (killed ${leader}, the stream leader; callers: ${ackedAtKill} acked before, ${ackedAfterKill} after; ${outcomes.timeout} timeouts, ${outcomes.writeError} write errors; slowest call ${slowest} ms; ${byFramework.join('; ')})`;
          expect(outcomes.other).to.deep.equal([]);
          expect(ackedAfterKill).to.be.above(0);
          expect(slowest, 'no call outlives its timeout by more than a busy machine explains').to.be.below(2000 + 5000);
          for (const [framework, a] of Object.entries(answers)) {
            expect(a.other, `${framework}: answers neither acked nor a typed store error`).to.deep.equal([]);
            expect(http[framework].after, `${framework}: requests sent after the kill and acknowledged`).to.be.above(0);
            expect(
              a.slowestMs,
              `${framework}: no request outlives the store's timeout by more than a busy machine explains`,
            ).to.be.below(2000 + 5000);
          }
          expect(lost).to.deep.equal([]);
          expect((await rowCounts(ctx.knex, table)).duplicates).to.equal(0);
        } finally {
          await apps?.stop();
          await client?.nc.close();
          await cluster.stop();
          await ctx.knex.schema.dropTableIfExists(table);
          await ctx.knex.schema.dropTableIfExists(`${table}_a`);
        }
      });
    },
    { dialects: ['postgres'] },
  );
});
