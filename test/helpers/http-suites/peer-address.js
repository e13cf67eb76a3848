// The client's address survives the client: an event created after the client hung up still
// stores its IP, on the first request of a connection and on a later one of a keep-alive
// connection (the middleware reads the address once per connection, and Node keeps it on the
// socket). Otherwise a client could keep its address out of the audit trail by disconnecting
// as soon as its request was sent.
import { expect } from 'chai';
import { Agent, request as httpRequest } from 'node:http';
import { MemoryEventStore } from '@audit-events/core';
import { listen } from '../http-apps.js';
import { waitUntil } from '../wait-until.js';

function get(url, agent) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end();
  });
}

export function peerAddressSuite(adapter) {
  describe(`${adapter.name}: the client's address after the client hung up`, () => {
    let server;
    const store = new MemoryEventStore();
    const holding = new Map(); // path → resolves when the handler holds that request

    before(async () => {
      const app = adapter.build({
        audit: { store },
        handler: async ({ audit, raw }) => {
          const path = raw.url;
          if (!path.startsWith('/hold')) return { ok: true };
          const socket = raw.socket ?? raw.req.socket;
          const closed = new Promise((resolve) => (socket.destroyed ? resolve() : socket.once('close', resolve)));
          holding.get(path)?.();
          await closed;
          await audit.createEvent({ type: 'probe', id: path });
          return { ok: true };
        },
      });
      server = await listen(app);
    });

    after(() => server.close());

    async function holdAndHangUp(path, agent) {
      const held = new Promise((resolve) => holding.set(path, resolve));
      const req = httpRequest(`${server.url}${path}`, { agent });
      req.on('error', () => {}); // the hang-up below
      req.end();
      await held;
      req.destroy();
      return waitUntil(() => store.all().find((e) => e.objectId === path), {
        timeoutMs: 2000,
        everyMs: 10,
        what: `the event of ${path}`,
      });
    }

    it('on the first request of a connection', async () => {
      const event = await holdAndHangUp('/hold-first', new Agent({ keepAlive: false }));
      expect(event.ip).to.equal('127.0.0.1');
    });

    it('on a later request of a keep-alive connection', async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        expect(await get(`${server.url}/before`, agent)).to.equal(200);
        expect(await get(`${server.url}/before`, agent)).to.equal(200);
        const event = await holdAndHangUp('/hold-later', agent);
        expect(event.ip).to.equal('127.0.0.1');
      } finally {
        agent.destroy();
      }
    });
  });
}
