// nats-ingest: events/s of ingestAuditEvents (what audit-events ingest runs) from a JetStream
// stream into PostgreSQL vs a raw multi-row INSERT of the same rows, interleaved in one run.
// nats-request: Express + JetStreamEventStore vs Express + KnexEventStore(SQLite) vs bare, c=50.
// Both need live services (NATS JetStream, PostgreSQL); without them the suite is skipped with a
// note, not failed: a bench is not a test.
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { newEventId } from '@audit-events/core';
import { KnexEventStore } from '@audit-events/knex';
import { JetStreamEventStore, ensureAuditStream, ensureIngestConsumer, ingestAuditEvents } from '@audit-events/nats';
import { benchKnexConfig, openKnex } from '../lib/databases.mjs';
import { compareVariants, pinning, serverNode, serverScript } from '../lib/http-load.mjs';
import { interleave } from '../lib/timing.mjs';
import { summarize } from '../lib/stats.mjs';
import { finishSuite } from '../lib/report.mjs';

export const NATS_URL = process.env.AUDIT_BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';
const BATCH = 500;

/** A request event as the Express middleware makes one: request fields set, no body. */
function benchEvent(i) {
  return {
    id: newEventId(),
    createdAt: new Date(),
    contentType: 'shop.Order',
    objectId: String(i % 1000),
    content: { status: 'paid', total: 12.5 + (i % 7), items: [{ sku: `A-${i % 50}`, qty: 1 + (i % 3) }] },
    userId: String(i % 100),
    userRepr: `user${i % 100}`,
    url: `/orders/${i % 1000}`,
    method: 'POST',
    ip: '127.0.0.1',
    requestId: newEventId(),
    userAgent: 'autocannon',
    queryParams: null,
    postData: null,
    headers: null,
  };
}

/** The row a hand-written writer would insert for an event: the store's columns, no checks. */
function rawRow(e) {
  return {
    id: e.id,
    created_at: e.createdAt,
    content_type: e.contentType,
    object_id: e.objectId,
    content: JSON.stringify(e.content),
    user_id: e.userId,
    user_repr: e.userRepr,
    url: e.url,
    method: e.method,
    ip: e.ip,
    request_id: e.requestId,
    user_agent: e.userAgent,
    query_params: null,
    post_data: null,
    headers: null,
  };
}

/** Why JetStream is not usable, or null: a bench skips instead of failing. */
async function natsUnreachable() {
  let nc;
  try {
    nc = await connect({ servers: NATS_URL, timeout: 2000, maxReconnectAttempts: 0 });
    await jetstreamManager(nc);
    return null;
  } catch (err) {
    return `NATS JetStream at ${NATS_URL} is not reachable (${err.message}); set AUDIT_BENCH_NATS_URL or start nats-server -js`;
  } finally {
    await nc?.close().catch(() => {});
  }
}

/** Why JetStream or PostgreSQL is not usable, or null. */
async function unreachable(knex) {
  const nats = await natsUnreachable();
  if (nats !== null) return nats;
  try {
    await knex.raw('select 1');
  } catch (err) {
    return `PostgreSQL is not reachable (${err.message}); set AUDIT_TEST_POSTGRES_URL`;
  }
  return null;
}

function skipped(suite, reason) {
  console.log(`\n## ${suite}: skipped\n  ${reason}`);
  return { suite, skipped: reason };
}

export async function natsIngest({ quick }) {
  const n = quick ? 5_000 : 30_000;
  const runs = quick ? 2 : 5;
  const knex = await openKnex(benchKnexConfig('postgres'));
  const why = await unreachable(knex);
  if (why !== null) {
    await knex.destroy();
    return skipped('nats-ingest', why);
  }
  const tag = `b${Date.now().toString(36)}`;
  const stream = `BENCH_INGEST_${tag.toUpperCase()}`;
  const prefix = `bench-ingest-${tag}`;
  const ours = `bench_ingest_${tag}`;
  const raw = `bench_ingest_raw_${tag}`;
  const nc = await connect({ servers: NATS_URL, noAsyncTraces: true });
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const stores = [ours, raw].map(
    (t) =>
      new KnexEventStore(knex, { tableName: t, archiveTableName: `${t}_a`, duplicateIds: 'ignore', batchSize: BATCH }),
  );
  try {
    for (const s of stores) await s.migrate();
    await ensureAuditStream(jsm, { name: stream, subjects: [`${prefix}.>`], maxAge: 60 * 60_000 });
    // The stream holds the events once; every ingest round reads all of them through a new consumer.
    const events = Array.from({ length: n }, (_, i) => benchEvent(i));
    const publisher = new JetStreamEventStore({ nc, stream, subjectPrefix: `${prefix}.events` });
    for (let i = 0; i < n; i += 1000) await publisher.save(events.slice(i, i + 1000));
    await publisher.close();
    let round = 0;
    const samples = await interleave(
      {
        raw: async () => {
          await knex(raw).truncate();
          const started = process.hrtime.bigint();
          for (let i = 0; i < n; i += BATCH) await knex(raw).insert(events.slice(i, i + BATCH).map(rawRow));
          return n / (Number(process.hrtime.bigint() - started) / 1e9);
        },
        ingest: async () => {
          await knex(ours).truncate();
          const consumerName = `bench-${tag}-${round++}`;
          const consumer = await ensureIngestConsumer(jsm, js, stream, {
            name: consumerName,
            filterSubject: `${prefix}.events.>`,
          });
          const started = process.hrtime.bigint();
          const stop = new AbortController();
          let stored = 0;
          // Timed to the commit (and acks) of the last batch: a worker runs on, so its wind-down
          // (waiting out the pull request in flight) is no part of the throughput.
          let finished = 0n;
          // As audit-events ingest builds it without --integrity.
          const store = new KnexEventStore(knex, {
            tableName: ours,
            archiveTableName: `${ours}_a`,
            duplicateIds: 'ignore',
            batchSize: BATCH,
            concurrentBatches: 2,
          });
          const totals = await ingestAuditEvents({
            js,
            consumer,
            store,
            signal: stop.signal,
            batchSize: BATCH,
            onBatch: (b) => {
              stored += b.stored;
              if (stored >= n && finished === 0n) {
                finished = process.hrtime.bigint();
                stop.abort();
              }
            },
          });
          const seconds = Number(finished - started) / 1e9;
          await store.close();
          await jsm.consumers.delete(stream, consumerName);
          const [{ c }] = await knex(ours).count({ c: '*' });
          if (Number(c) !== n) throw new Error(`ingest stored ${c} of ${n} (${JSON.stringify(totals)})`);
          return n / seconds;
        },
      },
      runs,
    );
    const rows = [
      { name: 'postgres raw multi-row insert', unit: 'events/s', ...summarize(samples.raw) },
      {
        name: 'postgres ingest',
        unit: 'events/s',
        ...summarize(samples.ingest),
        baseline: 'postgres raw multi-row insert',
        target: 0.8,
      },
    ];
    return finishSuite('nats-ingest', rows, [
      `${n.toLocaleString('en-US')} events per run, ${runs} interleaved runs, batches of ${BATCH}, one worker (ingestAuditEvents, what audit-events ingest runs) in this process with a KnexEventStore (duplicateIds: 'ignore'); ingest: a new durable consumer reads the whole stream (${NATS_URL}) and ends when every event is committed and acknowledged; raw: knex multi-row INSERTs of the same events, built into rows inside the timing`,
    ]);
  } finally {
    await jsm.streams.delete(stream).catch(() => {});
    for (const t of [ours, raw])
      for (const name of [t, `${t}_a`]) await knex.schema.dropTableIfExists(name).catch(() => {});
    await nc.close();
    await knex.destroy();
  }
}

export async function natsRequest(opts) {
  const why = await natsUnreachable();
  if (why !== null) return skipped('nats-request', why);
  const tag = `b${Date.now().toString(36)}`;
  const stream = `BENCH_REQ_${tag.toUpperCase()}`;
  const nc = await connect({ servers: NATS_URL, noAsyncTraces: true });
  const jsm = await jetstreamManager(nc);
  try {
    await ensureAuditStream(jsm, { name: stream, subjects: [`bench-req-${tag}.>`], maxAge: 60 * 60_000 });
    const script = serverScript('express-server.mjs');
    const variants = ['bare', 'audit-event', 'audit-event/jetstream'];
    const { samples, cpu } = await compareVariants({
      script,
      variants,
      ...opts,
      env: {
        AUDIT_BENCH_NATS_URL: NATS_URL,
        AUDIT_BENCH_NATS_STREAM: stream,
        AUDIT_BENCH_NATS_PREFIX: `bench-req-${tag}.events`,
      },
    });
    const label = (v) =>
      v === 'audit-event'
        ? 'express + KnexEventStore(SQLite)'
        : v === 'audit-event/jetstream'
          ? 'express + JetStreamEventStore'
          : 'bare';
    const rows = variants.map((v) => ({
      name: label(v),
      unit: 'req/s',
      ...summarize(samples[v]),
      ...(v === 'bare' ? {} : { baseline: 'bare' }),
    }));
    const sqlite = rows[1];
    const jet = rows[2];
    // The target is relative to the SQLite store's ratio measured in the same rounds.
    const sqliteRatios = sqlite.values.map((value, i) => value / rows[0].values[i]);
    rows.push({
      name: 'JetStream vs SQLite store',
      unit: 'req/s',
      median: jet.median,
      spread: jet.spread,
      values: jet.values,
      baseline: 'express + KnexEventStore(SQLite)',
      target: 1,
    });
    for (const v of variants)
      rows.push({
        name: `${label(v)} CPU/request`,
        unit: 'µs',
        ...summarize(cpu[v]),
        ...(v === 'bare' ? {} : { baseline: 'bare CPU/request', higherIsBetter: false }),
      });
    return finishSuite(
      'nats-request',
      rows,
      [
        `${opts.runs} interleaved runs of ${opts.duration}s, 50 connections, autocannon in a separate process (${pinning}); servers on Node ${serverNode}; each request creates one event (createEvent awaited: stored in SQLite / acknowledged by the stream at ${NATS_URL}, R1 file storage)`,
        `the target is 'JetStream vs SQLite store' ≥ 1×: the JetStream store's ratio to bare at least the SQLite store's (per-round SQLite ratios: ${sqliteRatios.map((r) => r.toFixed(2)).join(', ')})`,
      ],
      { runtime: serverNode },
    );
  } finally {
    await jsm.streams.delete(stream).catch(() => {});
    await nc.close();
  }
}
