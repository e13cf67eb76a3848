// Live nats-server processes for the NATS tests: each on a free loopback port with its own
// JetStream directory, so a test can SIGKILL it and start it again on the same port and data.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NATS_SERVER = process.env.AUDIT_TEST_NATS_SERVER ?? '/usr/sbin/nats-server';
export const NATS_AVAILABLE = existsSync(NATS_SERVER);

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function portOpen(port) {
  return new Promise((resolve) => {
    const socket = tcpConnect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts `nats-server -js` and resolves once it accepts connections. Returns
 * { url, port, dir, kill(signal), restart(), stop() }; `restart()` starts it again on the same
 * port and store directory (after a kill), `stop()` kills it and removes the directory.
 */
export async function startNatsServer({ port, dir, extraArgs = [] } = {}) {
  const storeDir = dir ?? mkdtempSync(join(tmpdir(), 'audit-nats-'));
  const usedPort = port ?? (await freePort());
  const handle = { url: `nats://127.0.0.1:${usedPort}`, port: usedPort, dir: storeDir, child: null, log: '' };
  async function launch() {
    const child = spawn(
      NATS_SERVER,
      ['-js', '-sd', storeDir, '-a', '127.0.0.1', '-p', String(usedPort), ...extraArgs],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      handle.log = (handle.log + chunk).slice(-20_000);
    });
    handle.child = child;
    handle.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    for (let i = 0; i < 200; i++) {
      if (child.exitCode !== null) throw new Error(`nats-server exited: ${handle.log.slice(-2000)}`);
      if (await portOpen(usedPort)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`nats-server did not listen on ${usedPort}: ${handle.log.slice(-2000)}`);
  }
  handle.kill = async (signal = 'SIGKILL') => {
    if (handle.child && handle.child.exitCode === null && handle.child.signalCode === null) {
      handle.child.kill(signal);
      await handle.exited;
    }
  };
  handle.restart = launch;
  handle.stop = async () => {
    await handle.kill('SIGKILL');
    if (dir === undefined) rmSync(storeDir, { recursive: true, force: true });
  };
  await launch();
  return handle;
}

/**
 * Starts a 3-node JetStream cluster on loopback (server names n1..n3, one route port each).
 * Returns { nodes, urls, stop() }; each node has kill()/restart() as from startNatsServer.
 */
export async function startNatsCluster(size = 3) {
  const clusterPorts = [];
  for (let i = 0; i < size; i++) clusterPorts.push(await freePort());
  const routes = clusterPorts.map((p) => `nats://127.0.0.1:${p}`).join(',');
  const name = `audit-${Date.now().toString(36)}`;
  const nodes = [];
  for (let i = 0; i < size; i++) {
    nodes.push(
      await startNatsServer({
        extraArgs: [
          '--server_name',
          `n${i + 1}`,
          '--cluster_name',
          name,
          '--cluster',
          `nats://127.0.0.1:${clusterPorts[i]}`,
          '--routes',
          routes,
        ],
      }),
    );
  }
  return {
    nodes,
    urls: nodes.map((n) => n.url),
    stop: async () => {
      for (const n of nodes) await n.stop();
    },
  };
}
