// The pipeline into SQLite, live: Express and Koa apps → JetStreamEventStore → JetStream → two
// `audit-events ingest` worker processes (one shared durable consumer) writing one SQLite file.
// Stored rows must equal the acknowledged requests, with no duplicate; poison messages go to the
// dead-letter subject with their reason. MariaDB and PostgreSQL get the full fleet (app
// processes, 8,000 requests) in fleet.test.js; SQLite stays here, where two writer processes
// share one file.
import { expect } from 'chai';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { KnexEventStore } from '@audit-events/knex';
import { JetStreamEventStore, ensureAuditStream } from '@audit-events/nats';
import { forEachDialect, uniqueTable } from '../helpers/databases.js';
import { listen, runLoad } from '../helpers/http-load.js';
import { buildHandler } from '../fixtures/reliability/app.js';
import { dbUrl } from '../cli/harness.js';
import { startIngestWorker } from './workers.js';
import { liveNats, rowCounts, stopNats, waitUntil } from './fixtures.js';

const REQUESTS = 600;

describe('@audit-events/nats ingest pipeline into SQLite (live nats-server, CLI workers)', function () {
  let server;
  let client;
  before(async function () {
    ({ server, client } = await liveNats(this));
  });
  after(() => stopNats({ server, client }));

  forEachDialect(
    'apps → JetStream → 2 ingest workers',
    (ctx, dialect) => {
      it(`stores every acknowledged request exactly once; poison goes to the dead-letter subject`, async function () {
        this.timeout(90_000);
        const stream = `PIPE_${dialect.toUpperCase()}_${Date.now().toString(36)}`.toUpperCase();
        const prefix = stream.toLowerCase();
        await ensureAuditStream(client.jsm, { name: stream, subjects: [`${prefix}.>`, `${prefix}-dead`] });
        const table = uniqueTable('ingest');
        const sql = new KnexEventStore(ctx.knex, { tableName: table, archiveTableName: `${table}_a` });
        await sql.migrate();

        // Two app processes' worth of apps in this process, Express and Koa, each with its own store.
        const stores = [0, 1].map(
          () => new JetStreamEventStore({ nc: client.nc, stream, subjectPrefix: `${prefix}.events` }),
        );
        const apps = await Promise.all(
          ['express', 'koa'].map((framework, i) => listen(buildHandler(framework, { store: stores[i] }))),
        );
        const workers = [0, 1].map(() =>
          startIngestWorker({
            url: server.url,
            stream,
            prefix: `${prefix}.events`,
            deadLetter: `${prefix}-dead`,
            db: dbUrl(dialect, ctx),
            table,
          }),
        );
        try {
          // Both workers pull before the first message: one still booting (a slow Node start on a
          // loaded machine) would leave the other to take every batch.
          await Promise.all(workers.map((w) => w.started));
          const loads = await Promise.all(
            apps.map((app) =>
              runLoad({
                port: app.port,
                requests: REQUESTS,
                concurrency: 25,
                request: (i) => ({ path: `/orders/${i}` }),
              }),
            ),
          );
          const acked = new Set();
          for (const { results } of loads) for (const r of results) if (r.status === 200) acked.add(r.json.eventId);
          expect(acked.size).to.equal(2 * REQUESTS);

          // Poison: not JSON, and JSON that is not an event.
          await client.js.publish(`${prefix}.events.x`, 'not json {');
          const h = natsHeaders();
          h.set('Audit-Kind', 'event');
          await client.js.publish(`${prefix}.events.x`, JSON.stringify({ id: 'x', hello: 1 }), { headers: h });

          await waitUntil(async () => (await rowCounts(ctx.knex, table)).rows >= acked.size, {
            timeoutMs: 60_000,
            what: 'ingest',
          });
          const dead = await waitUntil(
            async () => {
              const info = await client.jsm.streams.info(stream, { subjects_filter: `${prefix}-dead` });
              return info.state.subjects?.[`${prefix}-dead`] === 2 ? info : null;
            },
            { what: 'dead letters' },
          );
          expect(dead).to.not.equal(null);
          for (const w of workers) w.child.kill('SIGTERM');
          const exits = await Promise.all(workers.map((w) => w.done));
          for (const exit of exits) {
            expect(exit.code, exit.stderr).to.equal(0);
            const done = JSON.parse(exit.stdout.trim().split('\n').at(-1));
            expect(done).to.include({ command: 'ingest', type: 'done', ok: true, stoppedBy: 'SIGTERM' });
            // The first line says the worker is ready, before any stats line.
            expect(JSON.parse(exit.stdout.split('\n')[0])).to.deep.equal({
              command: 'ingest',
              type: 'started',
              stream,
              consumer: 'audit-ingest',
            });
          }
          const totals = exits.map((e) => JSON.parse(e.stdout.trim().split('\n').at(-1)));
          expect(totals.reduce((n, t) => n + t.deadLettered, 0)).to.equal(2);
          expect(
            totals.every((t) => t.batches > 0),
            `both workers took batches: ${JSON.stringify(totals)}`,
          ).to.equal(true);

          const ids = (await ctx.knex(table).select('id')).map((r) => r.id);
          expect(await rowCounts(ctx.knex, table)).to.deep.equal({ rows: acked.size, duplicates: 0 });
          expect(new Set(ids)).to.deep.equal(acked);

          const reasons = [];
          const first = dead.state.first_seq;
          for (let seq = first; seq <= dead.state.last_seq; seq++) {
            const m = await client.jsm.streams.getMessage(stream, { seq }).catch(() => null);
            if (m?.subject === `${prefix}-dead`) reasons.push(m.header.get('Audit-Dead-Letter-Reason'));
          }
          expect(reasons.sort()).to.have.length(2);
          expect(reasons.join('|'))
            .to.match(/not valid JSON/)
            .and.to.match(/schema: id/);
        } finally {
          for (const w of workers) w.child.kill('SIGKILL');
          for (const app of apps) await app.close?.();
          for (const s of stores) await s.close();
          await ctx.knex.schema.dropTableIfExists(table);
          await ctx.knex.schema.dropTableIfExists(`${table}_a`);
        }
      });
    },
    { dialects: ['sqlite', 'better-sqlite3'] },
  );
});
