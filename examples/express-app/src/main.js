// Example Express app that records audit events into a SQLite file (./audit.db).
//
//   npm start                       (from the repository root)
//   PORT=4000 AUDIT_DB=/tmp/a.db AUDIT_READ_TOKEN=secret npm start
//
// Then:
//   curl -X POST localhost:3000/orders -H 'content-type: application/json' -H 'x-user: ann' \
//        -d '{"item":"book","quantity":2,"card":{"cvv":"123"}}'
//   curl -X PATCH localhost:3000/orders/1 -H 'content-type: application/json' -d '{"status":"paid"}'
//   curl 'localhost:3000/audit-events?contentType=order&objectId=1' -H 'authorization: Bearer <token>'
import express from 'express';
import Knex from 'knex';
import { randomBytes } from 'node:crypto';
import { getAuditContext } from '@audit-events/core';
import { auditContext, auditEventsRouter } from '@audit-events/express';
import { KnexEventStore, sqliteKnexConfig } from '@audit-events/knex';

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
const dbFile = process.env.AUDIT_DB ?? './audit.db';
// The read API is never open: without a configured token, a random one is made and printed.
const readToken = process.env.AUDIT_READ_TOKEN ?? randomBytes(12).toString('hex');

const knex = Knex(sqliteKnexConfig(dbFile)); // WAL + busy timeout: concurrent writes wait, not fail
const store = new KnexEventStore(knex);
await store.migrate();

/** The app's model. `auditType` names it in the audit trail; `id` identifies the instance. */
class Order {
  static auditType = 'order';
  constructor(id, item, quantity) {
    this.id = id;
    this.item = item;
    this.quantity = quantity;
    this.status = 'new';
  }
}
const orders = new Map();
let nextOrderId = 1;

const app = express();
// First: every request gets an audit context. Body parser and auth come after it on purpose;
// postData and the user are read when an event is created, so the order does not matter.
app.use(
  auditContext({
    store,
    includePostData: true, // secrets (password, token, cvv, card numbers…) are masked at any depth
    includeQueryParams: true,
    includeHeaders: ['x-team', 'authorization'], // authorization is always stored masked
    extraData: { service: 'orders-example' },
  }),
);
app.use(express.json());
// A stand-in for real authentication (passport, a session…): X-User names the user.
app.use((req, _res, next) => {
  const name = req.get('x-user');
  if (name) req.user = { id: name, username: name };
  next();
});

app.post('/orders', async (req, res) => {
  const { item, quantity = 1 } = req.body ?? {};
  if (typeof item !== 'string' || !Number.isInteger(quantity)) {
    res.status(400).json({ error: 'expected { item: string, quantity?: integer }' });
    return;
  }
  const order = new Order(nextOrderId++, item, quantity);
  orders.set(order.id, order);
  // Resolves once the event is durable in the database.
  const event = await req.auditContext.createEvent(order, { action: 'created', item, quantity });
  res.status(201).json({ order, auditEventId: event.id, requestId: event.requestId });
});

app.patch('/orders/:id', async (req, res) => {
  const order = orders.get(Number(req.params.id));
  if (!order) {
    res.status(404).json({ error: 'no such order' });
    return;
  }
  const { status, quantity } = req.body ?? {};
  if (typeof status === 'string') order.status = status;
  if (Number.isInteger(quantity)) order.quantity = quantity;
  // Deep in model or service code there is no `req`: getAuditContext() finds the request's context.
  const event = await getAuditContext().createFieldsEvent(order, ['status', 'quantity'], { action: 'updated' });
  res.json({ order, auditEventId: event.id });
});

// The history of any object, for whoever holds the read token: an operator, so every event
// (scope: 'all'); a multi-tenant app returns the viewer's filters, e.g. (req) => ({ tenantId }).
app.use(
  '/audit-events',
  auditEventsRouter({ store, authorize: (req) => req.get('authorization') === `Bearer ${readToken}`, scope: 'all' }),
);

const server = app.listen(port, host, () => {
  const { port: actual } = server.address();
  console.log(`audit-events Express example listening on http://${host}:${actual}`);
  console.log(
    `events are stored in ${dbFile}; read them with: curl http://${host}:${actual}/audit-events -H 'authorization: Bearer ${readToken}'`,
  );
});

async function shutdown() {
  server.close();
  await store.close(); // writes what is pending
  await knex.destroy();
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    shutdown().then(
      () => process.exit(0),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  });
}
