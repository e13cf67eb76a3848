// The example Express app (`npm start`) serves, records events into SQLite, masks secrets, and
// lists them through the token-protected read router; SIGTERM shuts it down cleanly.
import { expect } from 'chai';
import { runExample, startExample } from '../helpers/example-apps.js';

describe('examples/express-app', () => {
  let app;
  before(async () => {
    app = await startExample('express-app', { AUDIT_READ_TOKEN: 'example-token' });
  });
  after(async () => {
    if (app) await app.stop();
  });

  it('records POST and PATCH events and lists them to the token holder only', async () => {
    const created = await fetch(`${app.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-user': 'ann', 'x-request-id': 'example-req-1' },
      body: JSON.stringify({ item: 'book', quantity: 2, card: { cvv: '123' } }),
    });
    expect(created.status).to.equal(201);
    const { order } = await created.json();
    const patched = await fetch(`${app.url}/orders/${order.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'paid' }),
    });
    expect(patched.status).to.equal(200);

    const denied = await fetch(`${app.url}/audit-events`);
    expect(denied.status).to.equal(403);
    const listed = await fetch(`${app.url}/audit-events?contentType=order&objectId=${order.id}`, {
      headers: { authorization: 'Bearer example-token' },
    });
    const { events } = await listed.json();
    expect(events.map((e) => e.content.action)).to.deep.equal(['updated', 'created']);
    expect(events[0].content).to.include({ status: 'paid', quantity: 2 });
    expect(events[1]).to.deep.include({ userId: 'ann', method: 'POST' });
    // No trusted proxy in front of the example: the client's id is kept apart, the server's is used.
    expect(events[1].requestId).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(events[1].content.client_request_id).to.equal('example-req-1');
    expect(events[1].postData.card.cvv).to.equal('********');
  });

  it('stops cleanly on SIGTERM', async () => {
    const status = await app.stop();
    app = null;
    expect(status.code).to.equal(0);
  });
});

describe('examples/background-job', () => {
  it('a worker restores the request context and records an event under the original request', async () => {
    const { code, stdout, stderr } = await runExample('background-job');
    expect(code, stderr).to.equal(0);
    expect(stdout).to.match(/produced 2 events/);
    expect(stdout).to.match(/step=requested\s+user=ann/);
    expect(stdout).to.match(/step=generated\s+user=ann/);
    expect(stdout).to.include('"password":"********"');
  });
});
