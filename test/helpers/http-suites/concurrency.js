// 1,000 concurrent, interleaved requests: every one must see only its own context, in the
// handler, after awaits, and in the event it stores (request id, user, body all read back).
import { expect } from 'chai';
import { Agent, request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { MemoryEventStore, getAuditContext } from '@audit-events/core';
import { listen } from '../http-apps.js';

const COUNT = 1000;

function post(url, agent, path, headers, body) {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = httpRequest(
      `${url}${path}`,
      {
        method: 'POST',
        agent,
        headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Deterministic interleaving: each request yields a different way depending on its index. */
async function yieldSomehow(i) {
  switch (i % 4) {
    case 0:
      return sleep(i % 3);
    case 1:
      return new Promise((resolve) => setImmediate(resolve));
    case 2:
      return new Promise((resolve) => process.nextTick(resolve));
    default:
      return sleep(1);
  }
}

export function concurrencySuite(adapter) {
  describe(`${adapter.name}: isolation under concurrency`, () => {
    let server;
    let agent;
    const store = new MemoryEventStore();

    before(async () => {
      const app = adapter.build({
        trustProxy: true, // a trusted proxy's X-Request-Id is adopted: the test's marker
        audit: { store, includePostData: true },
        parsers: ['json'],
        user: (headers) => ({ id: headers['x-user'], username: `u${headers['x-user']}` }),
        handler: async ({ audit, body }) => {
          const i = body.i;
          await yieldSomehow(i);
          const before = getAuditContext().requestId;
          await yieldSomehow(i + 1);
          const event = await getAuditContext().createEvent({ type: 'probe', id: i }, { i });
          await yieldSomehow(i + 2);
          return {
            i,
            own: audit.requestId,
            before,
            after: getAuditContext().requestId,
            user: audit.user,
            eventRequestId: event.requestId,
          };
        },
      });
      server = await listen(app);
      agent = new Agent({ keepAlive: true, maxSockets: 100 });
    });

    after(async () => {
      agent.destroy();
      await server.close();
    });

    it(`keeps ${COUNT} interleaved requests apart`, async () => {
      const responses = await Promise.all(
        Array.from({ length: COUNT }, (_, i) =>
          post(
            server.url,
            agent,
            `/work/${i}`,
            { 'x-request-id': `conc-${i}`, 'x-user': String(i) },
            { i, password: `pw-${i}` },
          ),
        ),
      );
      for (const [i, res] of responses.entries()) {
        expect(res.status, `request ${i}`).to.equal(200);
        expect(res.body).to.deep.equal({
          i,
          own: `conc-${i}`,
          before: `conc-${i}`,
          after: `conc-${i}`,
          user: { id: String(i), repr: `u${i}` },
          eventRequestId: `conc-${i}`,
        });
        expect(res.headers['x-request-id']).to.equal(`conc-${i}`);
      }
      const events = store.all();
      expect(events).to.have.length(COUNT);
      const seen = new Set();
      for (const event of events) {
        const i = Number(event.objectId);
        seen.add(i);
        expect(event.requestId).to.equal(`conc-${i}`);
        expect(event.userId).to.equal(String(i));
        expect(event.url).to.match(new RegExp(`/work/${i}$`));
        expect(event.postData).to.deep.equal({ i, password: '********' });
        expect(event.content).to.deep.equal({ i });
      }
      expect(seen.size).to.equal(COUNT);
    });
  });
}
