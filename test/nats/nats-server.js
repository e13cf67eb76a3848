// Live nats-server processes for the NATS tests: each on a free loopback port with its own
// JetStream directory, so a test can SIGKILL it and start it again on the same port and data.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NATS_SERVER = process.env.AUDIT_TEST_NATS_SERVER ?? '/usr/sbin/nats-server';
export const NATS_AVAILABLE = existsSync(NATS_SERVER);

/**
 * The kernel's range for the local ports of outgoing connections, or null. A port picked by
 * listen(0) comes from it too: once released, listen(0) may hand it out again and any outgoing
 * connection (a started node's route dials) may take it. The cluster test failed that way once,
 * a node's route port "already in use" when it started.
 */
function ephemeralRange() {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return low > 0 && high >= low ? [low, high] : null;
  } catch {
    return null;
  }
}

function listenOn(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(null));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

const LOWEST_PORT = 10_000;

/**
 * `count` distinct loopback ports that were free a moment ago, below the ephemeral range where it
 * is known (so no outgoing connection can take one before its server listens, or between a kill
 * and a restart). All are held until all are found: the same port is never handed out twice.
 */
export async function freePorts(count) {
  const range = ephemeralRange();
  const held = [];
  try {
    if (range === null || range[0] - LOWEST_PORT < 1000) {
      for (let i = 0; i < count; i++) held.push(await listenOn(0));
    } else {
      for (let attempt = 0; held.length < count && attempt < 1000; attempt++) {
        const server = await listenOn(LOWEST_PORT + Math.floor(Math.random() * (range[0] - LOWEST_PORT)));
        if (server !== null) held.push(server);
      }
    }
    if (held.length < count || held.includes(null)) throw new Error(`could not find ${count} free loopback ports`);
    return held.map((server) => server.address().port);
  } finally {
    await Promise.all(held.filter(Boolean).map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

export async function freePort() {
  return (await freePorts(1))[0];
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
  // SIGSTOP returns before every thread of the server has stopped: a test that then counts on no
  // ack coming back waits until the kernel reports each of them stopped.
  handle.pause = async () => {
    const pid = handle.child.pid;
    handle.child.kill('SIGSTOP');
    for (let i = 0; i < 400; i++) {
      const tasks = readdirSync(`/proc/${pid}/task`);
      const states = tasks.map((task) => {
        // The state follows the command name, which is in parentheses and may hold any character.
        const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
        return stat.charAt(stat.lastIndexOf(')') + 2);
      });
      if (states.every((state) => state === 'T' || state === 't')) return;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`nats-server ${pid} did not stop within 2 s of SIGSTOP`);
  };
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
  // Every node's client and route port, picked together: distinct, and none in the ephemeral range.
  const ports = await freePorts(2 * size);
  const clusterPorts = ports.slice(0, size);
  const routes = clusterPorts.map((p) => `nats://127.0.0.1:${p}`).join(',');
  const name = `audit-${Date.now().toString(36)}`;
  const nodes = [];
  for (let i = 0; i < size; i++) {
    nodes.push(
      await startNatsServer({
        port: ports[size + i],
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
