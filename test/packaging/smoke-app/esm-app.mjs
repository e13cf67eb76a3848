// The ES module smoke app run by install-tarballs.test.js inside a fresh folder where only the
// packed tarballs and registry packages are installed: Express + auditContext + KnexEventStore on
// SQLite, one event created in a request, then read back over the read API and straight from the
// table. It prints one JSON line for the test to check.
import { once } from 'node:events';
import express from 'express';
import knex from 'knex';
import { computeChangePatch, getAuditContext } from '@audit-events/core';
import { auditContext, auditEventsRouter } from '@audit-events/express';
import { KnexEventStore, sqliteKnexConfig } from '@audit-events/knex';

const db = knex(sqliteKnexConfig(process.argv[2]));
const store = new KnexEventStore(db);
await store.migrate();

const app = express();
app.use(auditContext({ store, includeHeaders: ['x-team'] }));
app.post('/orders/:id', async (req, res) => {
  await getAuditContext().createEvent({ type: 'order', id: req.params.id }, { action: 'created', via: 'esm' });
  res.status(201).json({ id: req.params.id });
});
app.use('/audit-events', auditEventsRouter({ store, authorize: () => true, scope: 'all' }));

const server = app.listen(0, '127.0.0.1');
await once(server, 'listening');
const base = `http://127.0.0.1:${server.address().port}`;
try {
  const posted = await fetch(`${base}/orders/esm-1`, { method: 'POST', headers: { 'x-team': 'blue' } });
  const requestId = posted.headers.get('x-request-id');
  const listed = await (await fetch(`${base}/audit-events?requestId=${encodeURIComponent(requestId)}`)).json();
  const rows = await db('audit_events')
    .where({ request_id: requestId })
    .select('content_type', 'object_id', 'content', 'method', 'headers');
  // rfc6902 (core's one dependency) resolves from the installed app too.
  const patch = computeChangePatch({ status: 'new' }, { status: 'paid' }, null).operations;
  const resolved = { core: import.meta.resolve('@audit-events/core'), knex: import.meta.resolve('@audit-events/knex') };
  console.log(JSON.stringify({ status: posted.status, requestId, listed, rows, resolved, patch }));
} finally {
  server.close();
  await store.close();
  await db.destroy();
}
