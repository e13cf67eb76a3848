// A request hands work to a background job; the job's audit events still carry the request's id,
// user and URL. The request serialises its context into the job payload (ctx.toJSON()); the
// worker — a separate thread with its own database connection, as a queue consumer would be —
// restores it with AuditContext.fromJSON().
//
//   npm start -w examples/background-job        (runs one demo request, prints the events, exits)
import express from 'express';
import Knex from 'knex';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { auditContext } from '@audit-events/express';
import { KnexEventStore, sqliteKnexConfig } from '@audit-events/knex';

const dbFile = process.env.AUDIT_DB ?? './audit.db';
const knex = Knex(sqliteKnexConfig(dbFile)); // WAL + busy timeout: the worker writes to the same file
const store = new KnexEventStore(knex);
await store.migrate();

// The "queue": a worker thread fed with JSON strings, exactly what a Redis/SQS/Kafka payload is.
const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: { dbFile } });
const finished = new Map();
worker.on('message', (message) => finished.get(message.reportId)?.(message));
function enqueue(payload) {
  return new Promise((resolve) => {
    finished.set(payload.reportId, resolve);
    worker.postMessage(JSON.stringify(payload));
  });
}

const app = express();
app.use(auditContext({ store, includePostData: true }));
app.use(express.json());
app.use((req, _res, next) => {
  const name = req.get('x-user');
  if (name) req.user = { id: name, username: name };
  next();
});

let nextReportId = 1;
const jobs = [];
app.post('/reports', async (req, res) => {
  const reportId = nextReportId++;
  await req.auditContext.createEvent(
    { type: 'report', id: reportId },
    { step: 'requested', month: req.body?.month ?? null },
  );
  // The whole context travels as plain JSON: request id, user, URL, IP, masked post data, extra data.
  jobs.push(enqueue({ reportId, month: req.body?.month, audit: req.auditContext.toJSON() }));
  res.status(202).json({ reportId, requestId: req.auditContext.requestId });
});

const server = app.listen(0, '127.0.0.1');
await once(server, 'listening');
const { port } = server.address();

// One demo request, as a client would make it.
const response = await fetch(`http://127.0.0.1:${port}/reports`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-user': 'ann', 'x-request-id': `demo-${Date.now()}` },
  body: JSON.stringify({ month: '2024-05', password: 'never stored' }),
});
const { reportId, requestId } = await response.json();
await Promise.all(jobs);

const { events } = await store.find({ requestId });
console.log(`request ${requestId} (report ${reportId}) produced ${events.length} events:`);
for (const event of events.reverse()) {
  console.log(
    `  ${event.createdAt.toISOString()}  ${event.contentType}#${event.objectId}  step=${event.content.step}  user=${event.userId}  url=${event.url}  postData=${JSON.stringify(event.postData)}`,
  );
}

server.close();
worker.postMessage('close');
await once(worker, 'exit');
await store.close();
await knex.destroy();
