// One Express variant per process: `node express-server.mjs <variant>`; reports its port over IPC.
import { reportWriterStats } from './report-cpu.mjs';
import express from 'express';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rmSync } from 'node:fs';

const variant = process.argv[2] ?? 'bare';
const app = express();
let cleanup = async () => {};
const hello = (req, res) => res.json({ hello: 'world' });
// The route's handler; the event variants do their write in it, as an app does (a separate
// middleware for it would add an Express router layer that bare does not have).
let handler = hello;
/** A handler that awaits `write(req)`, then answers as bare does; a failed write is a 500. */
const writingFirst = (write) => async (req, res, next) => {
  try {
    await write(req);
  } catch (err) {
    next(err);
    return;
  }
  hello(req, res);
};

/**
 * The least any request-id middleware does: an AsyncLocalStorage run, a UUIDv7 and (`echo`) its
 * response header. Returns the storage, whose store is the request's id.
 */
async function useRequestId({ echo }) {
  const { AsyncLocalStorage } = await import('node:async_hooks');
  const { newEventId } = await import('@audit-events/core');
  const storage = new AsyncLocalStorage();
  app.use((req, res, next) => {
    const id = newEventId();
    if (echo) res.setHeader('X-Request-Id', id);
    storage.run(id, next);
  });
  return storage;
}

switch (variant) {
  case 'bare':
    break;
  case 'audit-context':
  case 'audit-context/no-echo': {
    const { auditContext } = await import('@audit-events/express');
    const { MemoryEventStore } = await import('@audit-events/core');
    // no-echo: the same middleware without the X-Request-Id response header (setRequestIdHeader: false).
    const setRequestIdHeader = variant === 'audit-context';
    app.use(auditContext({ store: new MemoryEventStore(), setRequestIdHeader }));
    break;
  }
  case 'als+id':
    await useRequestId({ echo: true });
    break;
  case 'als': {
    // The floor of any AsyncLocalStorage-based context: a bare run() per request, nothing captured.
    const { AsyncLocalStorage } = await import('node:async_hooks');
    const storage = new AsyncLocalStorage();
    app.use((req, res, next) => storage.run(req, next));
    break;
  }
  case 'cls-hooked': {
    const { createNamespace } = (await import('cls-hooked')).default;
    const ns = createNamespace('bench');
    app.use((req, res, next) =>
      ns.run(() => {
        ns.set('req', req);
        next();
      }),
    );
    break;
  }
  case 'express-http-context': {
    const httpContext = (await import('express-http-context')).default;
    app.use(httpContext.middleware);
    app.use((req, res, next) => {
      httpContext.set('req', req);
      next();
    });
    break;
  }
  case 'cls-rtracer': {
    const rTracer = (await import('cls-rtracer')).default;
    app.use(rTracer.expressMiddleware());
    break;
  }
  case 'pino-http': {
    const pino = (await import('pino')).default;
    const pinoHttp = (await import('pino-http')).default;
    app.use(pinoHttp({ logger: pino(pino.destination({ dest: '/dev/null', sync: false })) }));
    break;
  }
  case 'raw-batched':
  case 'raw-batched+context': {
    // The floor of one durable event per request: the batching a store needs, written by hand with
    // nothing else. Rows of the same shape go into the store's own table (its indexes included)
    // on the store's connection settings (WAL, synchronous=FULL); the requests that arrive while a
    // batch commits share the next multi-row INSERT (one commit, one fsync) on a kept prepared
    // statement of the sqlite3 driver, and that batch waits for the callers the commit answered as
    // the store's does (rejoinMs: at most 2 ms, never longer than the commit took; without it this
    // floor's batches held half the connections, ~25 rows at 50, and the store beat its floor).
    // No masking, no checks, no context: whatever audit-event costs above this is the library's.
    // +context: the same inside the least context an audited event needs, an AsyncLocalStorage run
    // with the request's UUIDv7, stored as the row's request_id (no echo header): the floor of an
    // *audited* durable event. On Node 20 every promise made inside such a context runs its hooks.
    const requestIds = variant === 'raw-batched+context' ? await useRequestId({ echo: false }) : null;
    const Knex = (await import('knex')).default;
    const { sqliteKnexConfig, KnexEventStore } = await import('@audit-events/knex');
    const { newEventId } = await import('@audit-events/core');
    const file = join(tmpdir(), `audit-bench-${process.pid}.db`);
    const knex = Knex(sqliteKnexConfig(file));
    await new KnexEventStore(knex).migrate();
    const db = await knex.client.acquireConnection();
    const COLUMNS = ['id', 'created_at', 'content_type', 'object_id', 'content', 'url', 'method', 'ip', 'user_agent'];
    if (requestIds !== null) COLUMNS.push('request_id');
    const row = `(${COLUMNS.map(() => '?').join(',')})`;
    const statements = new Map();
    const statementFor = (n) => {
      let st = statements.get(n);
      if (st === undefined) {
        st = db.prepare(`INSERT INTO audit_events (${COLUMNS.join(',')}) VALUES ${Array(n).fill(row).join(',')}`);
        statements.set(n, st);
      }
      return st;
    };
    // The store's defaults: batchSize and rejoinMs.
    const BATCH = 500;
    const REJOIN_MS = 2;
    let queue = [];
    let writing = false;
    // The next batch's timer (an Immediate, or the rejoin's Timeout), and the queue length that ends a rejoin.
    let wait = null;
    let rejoinTarget = 0;
    const written = { batches: 0, events: 0 };
    reportWriterStats(() => written);
    const start = () => {
      if (wait !== null) {
        clearTimeout(wait);
        clearImmediate(wait);
      }
      wait = null;
      rejoinTarget = 0;
      flush();
    };
    const flush = () => {
      if (writing || queue.length === 0) return;
      const batch = queue.length <= BATCH ? queue : queue.slice(0, BATCH);
      queue = batch === queue ? [] : queue.slice(BATCH);
      writing = true;
      written.batches++;
      written.events += batch.length;
      const values = [];
      for (const w of batch) values.push(...w.values);
      const began = performance.now();
      statementFor(batch.length).run(values, (err) => {
        writing = false;
        for (const w of batch) (err ? w.reject : w.resolve)(err);
        if (queue.length === 0) return;
        if (queue.length >= BATCH) return start();
        rejoinTarget = Math.min(queue.length + batch.length, BATCH);
        wait = setTimeout(start, Math.min(REJOIN_MS, performance.now() - began));
      });
    };
    handler = writingFirst(
      (req) =>
        new Promise((resolve, reject) => {
          const values = [
            newEventId(),
            Date.now(),
            'bench',
            '1',
            JSON.stringify({ hello: 'world' }),
            req.originalUrl,
            req.method,
            req.ip,
            req.get('user-agent') ?? null,
          ];
          if (requestIds !== null) values.push(requestIds.getStore());
          queue.push({ values, resolve, reject });
          if (writing) return;
          if (rejoinTarget > 0) {
            if (queue.length < rejoinTarget) return;
            clearTimeout(wait);
            rejoinTarget = 0;
            wait = setImmediate(start);
          } else if (wait === null) wait = setImmediate(start);
        }),
    );
    cleanup = async () => {
      while (writing || queue.length > 0) await new Promise((resolve) => setTimeout(resolve, 5));
      for (const st of statements.values()) await new Promise((resolve) => st.finalize(resolve));
      await knex.client.releaseConnection(db);
      await knex.destroy();
      for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
    };
    break;
  }
  case 'raw-insert':
  case 'audit-event':
  case 'audit-event/no-echo':
  case 'raw-insert/better-sqlite3':
  case 'audit-event/better-sqlite3': {
    const Knex = (await import('knex')).default;
    const { sqliteKnexConfig, KnexEventStore } = await import('@audit-events/knex');
    const file = join(tmpdir(), `audit-bench-${process.pid}.db`);
    // `<variant>/better-sqlite3` runs the same code through that driver; both get the store's own
    // configuration (WAL, synchronous=FULL, one connection). audit-event/no-echo: sqlite3, without
    // the X-Request-Id response header (setRequestIdHeader: false), like raw-batched+context.
    const [kind, option = 'sqlite3'] = variant.split('/');
    const driver = option === 'no-echo' ? 'sqlite3' : option;
    const knex = Knex(sqliteKnexConfig(file, { driver }));
    const store = new KnexEventStore(knex);
    reportWriterStats(() => store.stats);
    let inFlight = 0;
    await store.migrate();
    if (kind === 'raw-insert') {
      const { newEventId } = await import('@audit-events/core');
      // The straightforward alternative a team would write: one INSERT per request, awaited.
      handler = writingFirst(async (req) => {
        inFlight++;
        try {
          await knex('audit_events').insert({
            id: newEventId(),
            created_at: new Date(),
            content_type: 'bench',
            object_id: '1',
            content: JSON.stringify({ hello: 'world' }),
            url: req.originalUrl,
            method: req.method,
            ip: req.ip,
            request_id: null,
            user_agent: req.get('user-agent') ?? null,
          });
        } finally {
          inFlight--;
        }
      });
    } else {
      const { auditContext } = await import('@audit-events/express');
      app.use(auditContext({ store, setRequestIdHeader: option !== 'no-echo' }));
      handler = writingFirst((req) => req.auditContext.createEvent({ type: 'bench', id: 1 }, { hello: 'world' }));
    }
    cleanup = async () => {
      // Inserts of requests whose clients already left still hold or await the one connection.
      while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 5));
      await store.close();
      await knex.destroy();
      for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
    };
    break;
  }
  case 'audit-event/jetstream': {
    // The same request as audit-event, the event acknowledged by a JetStream stream instead of
    // committed to SQLite (the stream is created by bench/suites/nats.mjs).
    const { JetStreamEventStore } = await import('@audit-events/nats');
    const { auditContext } = await import('@audit-events/express');
    const env = process.env;
    const store = new JetStreamEventStore({
      servers: env.AUDIT_BENCH_NATS_URL,
      stream: env.AUDIT_BENCH_NATS_STREAM,
      subjectPrefix: env.AUDIT_BENCH_NATS_PREFIX,
    });
    app.use(auditContext({ store }));
    handler = writingFirst((req) => req.auditContext.createEvent({ type: 'bench', id: 1 }, { hello: 'world' }));
    cleanup = () => store.close();
    break;
  }
  default:
    throw new Error(`unknown variant ${variant}`);
}

app.get('/', handler);
const server = app.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('SIGTERM', () => {
  server.close(() => cleanup().finally(() => process.exit(0)));
  server.closeAllConnections(); // the load generator is done: do not wait for its keep-alive sockets
});
