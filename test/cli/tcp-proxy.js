// A loopback TCP proxy in front of a database that a test can cut: every open connection is
// destroyed and new ones are refused, as when a database server dies or a network partitions.
import { connect, createServer } from 'node:net';

export async function startProxy(targetHost, targetPort) {
  const sockets = new Set();
  const server = createServer((client) => {
    const upstream = connect(targetPort, targetHost);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    /** Refuses new connections and kills the open ones. */
    cut() {
      server.close();
      for (const s of sockets) s.destroy();
    },
    close() {
      return new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        if (server.listening) server.close(() => resolve());
        else resolve();
      });
    },
  };
}
