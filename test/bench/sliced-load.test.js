import { expect } from 'chai';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { openSlicedLoad } from '../../bench/lib/sliced-load.mjs';

// The time-sliced probe's load generator, against real HTTP servers on loopback.
async function listen(handler) {
  const server = http.createServer(handler);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}
const close = (server) => {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(resolve));
};
const hello = (req, res) => res.end('{"hello":"world"}');

describe('bench: the time-sliced load generator', () => {
  const servers = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map(close));
  });

  it('loads only the server switched to, and counts each one’s answers', async () => {
    const seen = [0, 0];
    servers.push(await listen((req, res) => (seen[0]++, hello(req, res))));
    servers.push(await listen((req, res) => (seen[1]++, hello(req, res))));
    const load = await openSlicedLoad(
      servers.map((s) => s.address().port),
      4,
    );
    try {
      // opening measures each server's response length with one request
      expect(seen).to.deep.equal([1, 1]);
      load.switchTo(0);
      await sleep(150);
      load.switchTo(1);
      await sleep(100); // the first server's requests in flight finish here
      const first = load.answered[0];
      expect(first).to.be.greaterThan(20);
      await sleep(100);
      expect(load.answered[0]).to.equal(first); // switched away: no new requests to it
      expect(load.answered[1]).to.be.greaterThan(20);
      load.switchTo(0);
      await sleep(50);
      expect(load.answered[0]).to.be.greaterThan(first);
      load.switchTo(1);
      await sleep(100);
    } finally {
      load.close();
    }
    // every request the idle server took was answered and counted; the loaded one may have had
    // one request per connection in flight when the sockets closed
    expect(seen[0]).to.equal(load.answered[0] + 1);
    expect(seen[1] - 1 - load.answered[1]).to.be.within(0, 4);
  });

  it('fails the run on a non-2xx answer', async () => {
    let calls = 0;
    servers.push(
      await listen((req, res) => {
        if (++calls > 3) res.statusCode = 503;
        hello(req, res);
      }),
    );
    const load = await openSlicedLoad([servers[0].address().port], 1);
    load.switchTo(0);
    await sleep(50);
    expect(() => load.switchTo(0)).to.throw(/non-2xx/);
    expect(() => load.close()).to.throw(/non-2xx/);
  });

  it('fails the run on a response whose length changed', async () => {
    let calls = 0;
    servers.push(await listen((req, res) => res.end(++calls > 3 ? '{"hello":"world!"}' : '{"hello":"world"}')));
    const load = await openSlicedLoad([servers[0].address().port], 1);
    load.switchTo(0);
    await sleep(50);
    expect(() => load.close()).to.throw(/longer than/);
  });

  it('refuses a server whose first answer is not 2xx', async () => {
    servers.push(await listen((req, res) => ((res.statusCode = 404), res.end('no'))));
    let error = null;
    await openSlicedLoad([servers[0].address().port], 1).catch((err) => (error = err));
    expect(error?.message).to.match(/answered HTTP\/1\.1 404/);
  });
});
