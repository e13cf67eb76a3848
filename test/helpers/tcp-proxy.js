// A loopback TCP proxy in front of a database, for fault injection:
// - `cut()` destroys every open connection and refuses new ones (ECONNREFUSED), as when the server
//   dies or a firewall resets connections: clients fail fast;
// - `stall()` stops forwarding bytes and holds new connections without answering, as in a network
//   partition that drops packets silently: clients hang until their own timeouts fire;
// - `swallowReplies()` keeps forwarding what clients send but drops what the server answers, so
//   a statement reaches the server (and commits) while its acknowledgement is lost — follow it
//   with `cut()` for the classic "connection died after COMMIT" case;
// - `restore()` ends any fault (stalled connections are then reset, as a long partition's
//   peers would be) and serves again on the same port, so clients reconnect by themselves.
// Counters say what the fault actually hit.
import { connect, createServer } from 'node:net';

/**
 * @param {string} targetHost
 * @param {number} targetPort
 * @returns {Promise<{ port: number, url: (direct: string) => string, cut: () => Promise<void>, stall: () => void, swallowReplies: () => void,
 *   restore: () => Promise<void>, close: () => Promise<void>,
 *   stats: { accepted: number, destroyed: number, cuts: number, stalls: number } }>}
 */
export async function startProxy(targetHost, targetPort) {
  const sockets = new Set();
  const stats = { accepted: 0, destroyed: 0, cuts: 0, stalls: 0 };
  let stalled = false;
  let swallowing = false;
  const held = new Set();
  const upstreams = new Map(); // upstream socket → its client
  const server = createServer((client) => {
    stats.accepted++;
    if (stalled) {
      // Accepted, never answered: the client's handshake waits for bytes that never come.
      held.add(client);
      client.on('error', () => {});
      client.pause();
      return;
    }
    const upstream = connect(targetPort, targetHost);
    for (const s of [client, upstream]) {
      sockets.add(s);
      // Resets are the point of this proxy; they must not crash the test process.
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        // One side gone: the other goes too, as across a real broken link.
        client.destroy();
        upstream.destroy();
      });
    }
    upstreams.set(upstream, client);
    upstream.on('close', () => upstreams.delete(upstream));
    client.pipe(upstream);
    if (swallowing) upstream.resume();
    else upstream.pipe(client);
  });
  await listen(server, 0);
  const port = server.address().port;

  function destroyAll() {
    for (const s of [...sockets, ...held]) {
      stats.destroyed++;
      s.destroy();
    }
    sockets.clear();
    held.clear();
  }

  return {
    port,
    stats,
    /** The same database URL, through the proxy. */
    url(direct) {
      const u = new URL(direct);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.href;
    },
    /** Refuses new connections and kills the open ones. */
    async cut() {
      stats.cuts++;
      const closed = server.listening ? new Promise((resolve) => server.close(() => resolve())) : Promise.resolve();
      destroyAll();
      await closed;
    },
    /** Stops forwarding on open connections and holds new ones unanswered. */
    stall() {
      stats.stalls++;
      stalled = true;
      for (const s of sockets) {
        // Unpiped and paused: bytes sent now wait in buffers, nobody reads them.
        s.unpipe();
        s.pause();
      }
    },
    /** Forwards requests, drops replies (on open and new connections). */
    swallowReplies() {
      swallowing = true;
      for (const [upstream, client] of upstreams) {
        upstream.unpipe(client);
        upstream.resume(); // read and discard
      }
    },
    /** Ends a cut, a stall or swallowed replies: serves connections again, on the same port. */
    async restore() {
      if (stalled || swallowing) {
        // Connections that lost bytes are beyond repair, as after a real partition.
        stalled = false;
        swallowing = false;
        destroyAll();
      }
      if (!server.listening) await listen(server, port);
    },
    async close() {
      destroyAll();
      if (server.listening) await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
}
