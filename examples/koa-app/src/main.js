// Example Koa app that records audit events into a SQLite file (./audit.db).
//
//   npm start -w examples/koa-app
//   PORT=4000 AUDIT_DB=/tmp/a.db AUDIT_READ_TOKEN=secret npm start -w examples/koa-app
//
// Then:
//   curl -X POST localhost:3000/orders -H 'content-type: application/json' -H 'x-user: ann' \
//        -d '{"item":"book","quantity":2,"password":"not stored"}'
//   curl -X PATCH localhost:3000/orders/1 -H 'content-type: application/json' -d '{"status":"paid"}'
//   curl 'localhost:3000/audit-events?contentType=order&objectId=1' -H 'authorization: Bearer <token>'
import Koa from 'koa';
import { bodyParser } from '@koa/bodyparser';
import Knex from 'knex';
import { randomBytes } from 'node:crypto';
import { getAuditContext } from '@audit-events/core';
import { auditContext, auditEventsRouter } from '@audit-events/koa';
import { KnexEventStore, sqliteKnexConfig } from '@audit-events/knex';

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
const dbFile = process.env.AUDIT_DB ?? './audit.db';
// The read API is never open: without a configured token, a random one is made and printed.
const readToken = process.env.AUDIT_READ_TOKEN ?? randomBytes(12).toString('hex');

const knex = Knex(sqliteKnexConfig(dbFile)); // WAL + busy timeout: concurrent writes wait, not fail
const store = new KnexEventStore(knex);
await store.migrate();

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

const app = new Koa();
// First: every request gets ctx.auditContext. Body parser and auth come after it on purpose;
// postData and the user are read when an event is created, so the order does not matter.
app.use(
  auditContext({ store, includePostData: true, includeQueryParams: true, extraData: { service: 'orders-example' } }),
);
// The read token is an operator's: every event (scope: 'all'); a tenant's reader gets (ctx) => ({ tenantId }).
app.use(
  auditEventsRouter({
    store,
    path: '/audit-events',
    authorize: (ctx) => ctx.get('authorization') === `Bearer ${readToken}`,
    scope: 'all',
  }),
);
app.use(bodyParser());
// A stand-in for real authentication: X-User names the user (ctx.state.user, as koa-passport sets it).
app.use(async (ctx, next) => {
  const name = ctx.get('x-user');
  if (name) ctx.state.user = { id: name, username: name };
  await next();
});

async function createOrder(ctx) {
  const { item, quantity = 1 } = ctx.request.body ?? {};
  if (typeof item !== 'string' || !Number.isInteger(quantity))
    ctx.throw(400, 'expected { item: string, quantity?: integer }');
  const order = new Order(nextOrderId++, item, quantity);
  orders.set(order.id, order);
  const event = await ctx.auditContext.createEvent(order, { action: 'created', item, quantity });
  ctx.status = 201;
  ctx.body = { order, auditEventId: event.id, requestId: event.requestId };
}

async function updateOrder(ctx, id) {
  const order = orders.get(id);
  if (!order) ctx.throw(404, 'no such order');
  const { status, quantity } = ctx.request.body ?? {};
  if (typeof status === 'string') order.status = status;
  if (Number.isInteger(quantity)) order.quantity = quantity;
  // Code without `ctx` (models, services) finds the request's context with getAuditContext().
  const event = await getAuditContext().createFieldsEvent(order, ['status', 'quantity'], { action: 'updated' });
  ctx.body = { order, auditEventId: event.id };
}

// Two routes, matched by hand to keep the example free of a router dependency.
app.use(async (ctx) => {
  const match = /^\/orders\/(\d+)$/.exec(ctx.path);
  if (ctx.method === 'POST' && ctx.path === '/orders') return createOrder(ctx);
  if (ctx.method === 'PATCH' && match) return updateOrder(ctx, Number(match[1]));
  ctx.throw(404);
});

const server = app.listen(port, host, () => {
  const { port: actual } = server.address();
  console.log(`audit-events Koa example listening on http://${host}:${actual}`);
  console.log(
    `events are stored in ${dbFile}; read them with: curl http://${host}:${actual}/audit-events -H 'authorization: Bearer ${readToken}'`,
  );
});

async function shutdown() {
  server.close();
  await store.close();
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
