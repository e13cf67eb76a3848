// The example Koa app serves, records events into SQLite and lists them to the token holder.
import { expect } from 'chai';
import { startExample } from '../helpers/example-apps.js';

describe('examples/koa-app', () => {
  let app;
  before(async () => {
    app = await startExample('koa-app', { AUDIT_READ_TOKEN: 'example-token' });
  });
  after(async () => {
    if (app) await app.stop();
  });

  it('records events and lists them to the token holder only', async () => {
    const created = await fetch(`${app.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-user': 'bob', 'x-request-id': 'koa-example-1' },
      body: JSON.stringify({ item: 'pen', password: 'hunter2' }),
    });
    expect(created.status).to.equal(201);
    const { order } = await created.json();
    const patched = await fetch(`${app.url}/orders/${order.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ quantity: 3 }),
    });
    expect(patched.status).to.equal(200);
    expect((await fetch(`${app.url}/audit-events`)).status).to.equal(403);
    const listed = await fetch(`${app.url}/audit-events?objectId=${order.id}&contentType=order`, {
      headers: { authorization: 'Bearer example-token' },
    });
    const { events } = await listed.json();
    expect(events.map((e) => e.content.action)).to.deep.equal(['updated', 'created']);
    expect(events[1]).to.deep.include({ userId: 'bob', postData: { item: 'pen', password: '********' } });
    // No trusted proxy in front of the example: the client's id is kept apart, the server's is used.
    expect(events[1].requestId).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(events[1].content.client_request_id).to.equal('koa-example-1');
  });

  it('stops cleanly on SIGTERM', async () => {
    const status = await app.stop();
    app = null;
    expect(status.code).to.equal(0);
  });
});
