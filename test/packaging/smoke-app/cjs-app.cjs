// The CommonJS twin of esm-app.mjs: the same flow through require(), and the paths require()
// resolved, so the test can tell the packages came from the app's node_modules.
const { once } = require('node:events');
const express = require('express');
const knex = require('knex');
const { getAuditContext } = require('@audit-events/core');
const { auditContext, auditEventsRouter } = require('@audit-events/express');
const { KnexEventStore, sqliteKnexConfig } = require('@audit-events/knex');

async function main() {
  const db = knex(sqliteKnexConfig(process.argv[2]));
  const store = new KnexEventStore(db);
  await store.migrate();

  const app = express();
  app.use(auditContext({ store, includeHeaders: ['x-team'] }));
  app.post('/orders/:id', async (req, res) => {
    await getAuditContext().createEvent({ type: 'order', id: req.params.id }, { action: 'created', via: 'cjs' });
    res.status(201).json({ id: req.params.id });
  });
  app.use('/audit-events', auditEventsRouter({ store, authorize: () => true, scope: 'all' }));

  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${server.address().port}`;
  try {
    const posted = await fetch(`${base}/orders/cjs-1`, { method: 'POST', headers: { 'x-team': 'green' } });
    const requestId = posted.headers.get('x-request-id');
    const listed = await (await fetch(`${base}/audit-events?requestId=${encodeURIComponent(requestId)}`)).json();
    const rows = await db('audit_events')
      .where({ request_id: requestId })
      .select('content_type', 'object_id', 'content', 'method', 'headers');
    const resolved = { core: require.resolve('@audit-events/core'), knex: require.resolve('@audit-events/knex') };
    console.log(JSON.stringify({ status: posted.status, requestId, listed, rows, resolved }));
  } finally {
    server.close();
    await store.close();
    await db.destroy();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
