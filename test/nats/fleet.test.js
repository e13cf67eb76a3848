// The fleet, live: 4 app processes (2 Express, 2 Koa: real HTTP servers, the real middleware, a
// JetStreamEventStore each) × 2,000 requests at concurrency 50 → one JetStream stream → 2
// `audit-events ingest` worker processes sharing one durable consumer → PostgreSQL, then MariaDB.
// The database must hold every acknowledged request's event exactly once, a failed request's
// event only when its outcome was unknown, and nothing the stream does not hold.
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { KnexEventStore } from '@audit-events/knex';
import { ensureAuditStream } from '@audit-events/nats';
import { forEachDialect, uniqueTable } from '../helpers/databases.js';
import { startNode } from '../helpers/child-process.js';
import { runLoad } from '../helpers/http-load.js';
import { dbUrl } from '../cli/harness.js';
import { startIngestWorker } from './workers.js';
import { liveNats, sortAnswers, stopNats, waitUntil } from './fixtures.js';

const APP = fileURLToPath(new URL('../fixtures/nats/app.mjs', import.meta.url));
const FRAMEWORKS = ['express', 'express', 'koa', 'koa'];
const REQUESTS = 2000;
const CONCURRENCY = 50;

/** Starts one app process; resolves with its port once it listens (its stderr if it died first). */
async function startApp(framework, job) {
  const app = startNode(APP, [JSON.stringify({ framework, ...job })]);
  const line = await app.waitFor(/^listening \d+$/);
  if (line === null) throw new Error(`${framework} app exited: ${app.stderr()}`);
  return { ...app, framework, port: Number(line.split(' ')[1]) };
}

/** SIGTERMs an app and returns its store's stats from the `closed` line (it must exit 0 by itself). */
async function stopApp(app) {
  app.child.kill('SIGTERM');
  const exit = await app.exited;
  expect(exit, `${app.framework} app: ${app.stderr()}`).to.deep.equal({ code: 0, signal: null });
  const closed = app.lines.find((l) => l.startsWith('closed '));
  expect(closed, app.lines.join('\n')).to.be.a('string');
  return JSON.parse(closed.slice('closed '.length));
}

describe('@audit-events/nats fleet (live nats-server, app and ingest processes)', function () {
  let server;
  let client;
  before(async function () {
    ({ server, client } = await liveNats(this));
  });
  after(() => stopNats({ server, client }));

  forEachDialect(
    `${FRAMEWORKS.length} apps × ${REQUESTS} requests → JetStream → 2 ingest workers`,
    (ctx, dialect) => {
      it('stores every acknowledged request exactly once, nothing else; poison never blocks the workers', async function () {
        // About 30 s on an idle 2-core machine, 80 s seen with the load average at 21: generous.
        this.timeout(240_000);
        const stream = `FLEET_${dialect.toUpperCase()}_${Date.now().toString(36).toUpperCase()}`;
        const prefix = stream.toLowerCase();
        const subjectPrefix = `${prefix}.events`;
        const deadLetter = `${prefix}.dead`;
        await ensureAuditStream(client.jsm, { name: stream, subjects: [`${prefix}.>`] });
        const table = uniqueTable('fleet');
        await new KnexEventStore(ctx.knex, { tableName: table, archiveTableName: `${table}_a` }).migrate();

        const workers = [0, 1].map(() =>
          startIngestWorker({
            url: server.url,
            stream,
            prefix: subjectPrefix,
            deadLetter,
            db: dbUrl(dialect, ctx),
            table,
            batchSize: 100,
          }),
        );
        let apps = [];
        try {
          // Both workers pull before the first message, so both take batches (asserted below).
          await Promise.all(workers.map((w) => w.started));
          apps = await Promise.all(
            FRAMEWORKS.map((framework) =>
              startApp(framework, { servers: server.url, stream, subjectPrefix, publishTimeoutMs: 10_000 }),
            ),
          );
          // Poison first in the stream: a worker stuck on it would ingest nothing after it.
          await client.js.publish(`${subjectPrefix}.x`, 'not json {');
          const h = natsHeaders();
          h.set('Audit-Kind', 'event');
          await client.js.publish(`${subjectPrefix}.x`, JSON.stringify({ id: 'x', hello: 1 }), { headers: h });

          // Each request names its own object, so any stored row tells which request wrote it.
          const loads = await Promise.all(
            apps.map((app, n) =>
              runLoad({
                port: app.port,
                requests: REQUESTS,
                concurrency: CONCURRENCY,
                request: (i) => ({ path: `/orders/${app.framework}${n}-${i}` }),
              }),
            ),
          );
          const requests = new Map(); // objectId → { eventId } when acknowledged, { unknown } when failed
          const answers = { acked: 0, typed: 0, other: [] };
          loads.forEach(({ results }, n) => {
            const sorted = sortAnswers(results);
            answers.acked += sorted.acked.length;
            answers.typed += sorted.typed.length;
            answers.other.push(...sorted.other);
            for (const r of sorted.acked) requests.set(`${apps[n].framework}${n}-${r.i}`, { eventId: r.json.eventId });
            for (const r of sorted.typed)
              requests.set(`${apps[n].framework}${n}-${r.i}`, { unknown: r.json.outcomeUnknown === true });
          });
          const total = FRAMEWORKS.length * REQUESTS;
          expect(answers.other, 'answers that are neither an ack nor a typed store error').to.deep.equal([]);
          // A typed timeout is tolerated on an overloaded machine; a fleet that mostly fails is not.
          expect(answers.acked, `${answers.typed} typed store errors`).to.be.at.least(total * 0.95);

          // Lag 0 on the shared consumer: every message delivered and acknowledged, i.e. committed.
          const started = Date.now();
          await waitUntil(
            async () => {
              const dead = workers.find((w) => w.child.exitCode !== null || w.child.signalCode !== null);
              if (dead) throw new Error(`an ingest worker exited: ${(await dead.done).stderr}`);
              const info = await client.jsm.consumers.info(stream, 'audit-ingest');
              return info.num_pending === 0 && info.num_ack_pending === 0;
            },
            { timeoutMs: 90_000, everyMs: 250, what: 'ingest lag 0' },
          );
          const drainMs = Date.now() - started;

          for (const w of workers) w.child.kill('SIGTERM');
          const totals = [];
          for (const w of workers) {
            const exit = await w.done;
            expect(exit.code, exit.stderr).to.equal(0);
            const done = JSON.parse(exit.stdout.trim().split('\n').at(-1));
            expect(done).to.include({ command: 'ingest', type: 'done', ok: true, stoppedBy: 'SIGTERM' });
            totals.push(done);
          }
          const storeStats = await Promise.all(apps.map(stopApp));
          apps = [];

          // No duplicates, in SQL's own words.
          const dupes = await ctx.knex(table).select('id').groupBy('id').havingRaw('count(*) > 1');
          expect(dupes).to.deep.equal([]);
          const [{ n, d }] = await ctx
            .knex(table)
            .select(ctx.knex.raw('count(*) as n'), ctx.knex.raw('count(distinct id) as d'));
          expect(Number(d)).to.equal(Number(n));

          const rows = await ctx.knex(table).select('id', 'object_id');
          const byObject = new Map(rows.map((r) => [r.object_id, r.id]));
          let unknownStored = 0;
          const problems = [];
          for (const [objectId, outcome] of requests) {
            const stored = byObject.get(objectId);
            if (outcome.eventId !== undefined && stored !== outcome.eventId)
              problems.push(`${objectId}: acknowledged ${outcome.eventId}, stored ${stored}`);
            if (outcome.eventId === undefined && stored !== undefined) {
              if (outcome.unknown) unknownStored++;
              else problems.push(`${objectId}: failed with nothing stored, yet stored as ${stored}`);
            }
          }
          for (const r of rows)
            if (!requests.has(r.object_id)) problems.push(`row ${r.id} for ${r.object_id}: no such request`);
          expect(problems).to.deep.equal([]);
          expect(rows.length).to.equal(answers.acked + unknownStored);

          // The database holds exactly the events the stream holds (plus nothing of the poison).
          const info = await client.jsm.streams.info(stream, { subjects_filter: `${subjectPrefix}.>` });
          const inStream = Object.entries(info.state.subjects ?? {}).reduce(
            (sum, [subject, count]) => sum + (subject === `${subjectPrefix}.x` ? 0 : count),
            0,
          );
          expect(inStream).to.equal(rows.length);
          const deadInfo = await client.jsm.streams.info(stream, { subjects_filter: deadLetter });
          expect(deadInfo.state.subjects?.[deadLetter]).to.equal(2);
          expect(totals.reduce((sum, t) => sum + t.deadLettered, 0)).to.equal(2);
          expect(
            totals.every((t) => t.batches > 0),
            `both workers took batches: ${JSON.stringify(totals)}`,
          ).to.equal(true);
          // Each request saved one event: the apps' stores counted as acknowledged what their clients saw acknowledged.
          expect(storeStats.reduce((sum, s) => sum + s.published, 0)).to.equal(answers.acked);

          const redelivered = totals.reduce((sum, t) => sum + t.redelivered, 0);
          this.test.title += ` (${answers.acked}/${total} acknowledged, ${answers.typed} typed errors; ${rows.length} rows; workers stored ${totals.map((t) => t.stored).join(' + ')}, ${redelivered} redelivered; lag 0 ${drainMs} ms after the last answer)`;
        } finally {
          for (const w of workers) w.child.kill('SIGKILL');
          for (const app of apps) app.child.kill('SIGKILL');
          await client.jsm.streams.delete(stream).catch(() => {});
          await ctx.knex.schema.dropTableIfExists(table);
          await ctx.knex.schema.dropTableIfExists(`${table}_a`);
        }
      });
    },
    { dialects: ['postgres', 'mysql'] },
  );
});
