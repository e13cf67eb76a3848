// Starts a server variant in its own process and loads it with autocannon from this process, so the
// load generator and the server never share an event loop. On a machine with 2+ cores they do not
// share a core either: the load generator is pinned to core 0 and each server to the other cores,
// so the server's throughput is not decided by the scheduler's mood (BENCH_PIN=0 turns this off).
import { spawn, spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { sampleCores } from './core-speed.mjs';

const cores = os.availableParallelism();
const canPin =
  process.env.BENCH_PIN !== '0' && cores >= 2 && spawnSync('taskset', ['-p', String(process.pid)]).status === 0;
const serverCores = cores > 2 ? `1-${cores - 1}` : '1';

/** Pins this process (every thread) to core 0 until the returned function restores all cores. */
export function pinLoadGenerator() {
  if (!canPin) return () => {};
  spawnSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)]);
  return () => spawnSync('taskset', ['-a', '-p', '-c', `0-${cores - 1}`, String(process.pid)]);
}

/** The Node.js the servers run on: this one, or BENCH_SERVER_NODE's (e.g. to compare Node releases). */
export const serverNode = process.env.BENCH_SERVER_NODE
  ? spawnSync(process.env.BENCH_SERVER_NODE, ['-v'], { encoding: 'utf8' }).stdout.trim() || 'unknown'
  : process.version;

export const pinning = canPin ? `load generator on core 0, servers on core ${serverCores}` : 'not pinned';

/** The path of a server script in bench/servers/ (`express-server.mjs`), for startServer and the counts. */
export function serverScript(name) {
  return fileURLToPath(new URL(`../servers/${name}`, import.meta.url));
}

/**
 * Starts `script variant…` and resolves once it reports its port. `launcher` goes before Node on
 * the command line (e.g. valgrind), `startTimeout` is how long it may take to listen, and
 * `stderr: 'pipe'` keeps the server's stderr to put in the error should it exit before listening.
 */
export async function startServer(
  script,
  args = [],
  env = {},
  { launcher = [], startTimeout = 15000, stderr = 'inherit' } = {},
) {
  // BENCH_SERVER_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the servers under load;
  // BENCH_SERVER_NODE=/path/to/node runs them on another Node.js (the load generator stays on this one).
  const execArgv = process.env.BENCH_SERVER_ARGS ? process.env.BENCH_SERVER_ARGS.split(' ') : [];
  const nodePath = process.env.BENCH_SERVER_NODE || process.execPath;
  const options = { stdio: ['ignore', 'inherit', stderr, 'ipc'], env: { ...process.env, ...env } };
  const command = [...launcher, nodePath, ...execArgv, script, ...args];
  const child = canPin
    ? spawn('taskset', ['-c', serverCores, ...command], options)
    : spawn(command[0], command.slice(1), options);
  let output = '';
  child.stderr?.on('data', (chunk) => (output = (output + chunk).slice(-4000)));
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} ${args.join(' ')} did not start`)), startTimeout);
    child.once('message', (msg) => {
      clearTimeout(timer);
      msg && msg.port ? resolve(msg.port) : reject(new Error(`bad start message ${JSON.stringify(msg)}`));
    });
    child.once('exit', (code) =>
      reject(new Error(`${script} exited with ${code} before listening${output ? `: ${output}` : ''}`)),
    );
  });
  return {
    port,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
    child,
  };
}

/** CPU time the server process has used so far, in µs: { user, system } (see servers/report-cpu.mjs). */
export function serverCpu(child) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server did not report its CPU time')), 5000);
    child.once('message', (msg) => {
      clearTimeout(timer);
      resolve(msg);
    });
    child.send('cpu');
  });
}

export async function load(options) {
  return (await loadResult(options)).rate;
}

/**
 * One autocannon run: for `duration` seconds, or for `amount` requests when given. Any error,
 * timeout, non-2xx answer or (with `amount`) missing answer fails it.
 */
export async function loadResult({
  port,
  path = '/',
  method = 'GET',
  body,
  headers,
  duration,
  amount,
  connections = 50,
  timeout,
}) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${path}`,
    method,
    body,
    headers,
    ...(amount === undefined ? { duration } : { amount }),
    ...(timeout === undefined ? {} : { timeout }),
    connections,
    pipelining: 1,
  });
  const bad = result.errors + result.timeouts + result.non2xx;
  if (bad > 0 || (amount !== undefined && result.requests.total !== amount))
    throw new Error(
      `load on ${path} had ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx${amount === undefined ? '' : `, ${result.requests.total} of ${amount} answered`}`,
    );
  return { rate: result.requests.average, total: result.requests.total };
}

/**
 * Runs every variant `runs` times, interleaved (A B C A B C …) so drift on a noisy machine hits all
 * variants alike, and returns req/s samples and server CPU µs per request per variant (`cpu`, and
 * its `user` and `system` parts). Each variant gets its own server process per round, warmed up
 * before it is measured; `env` is added to the servers' environment.
 */
export async function compareVariants({ script, variants, runs, duration, warmup = 1, request = {}, env = {} }) {
  const samples = Object.fromEntries(variants.map((v) => [v, []]));
  const cpu = Object.fromEntries(variants.map((v) => [v, []]));
  const user = Object.fromEntries(variants.map((v) => [v, []]));
  const system = Object.fromEntries(variants.map((v) => [v, []]));
  // Rows per batch of servers that write batches (see servers/report-cpu.mjs); empty for the others.
  const rowsPerBatch = Object.fromEntries(variants.map((v) => [v, []]));
  const unpin = pinLoadGenerator();
  try {
    for (let round = 0; round < runs; round++) {
      // Every core timed on a fixed workload: a round on a core slowed by another guest shows up.
      sampleCores();
      for (const variant of variants) {
        const server = await startServer(script, [variant], env);
        try {
          if (warmup > 0) await load({ port: server.port, duration: warmup, ...request });
          const before = await serverCpu(server.child);
          const result = await loadResult({ port: server.port, duration, ...request });
          const after = await serverCpu(server.child);
          samples[variant].push(result.rate);
          const userUs = (after.user - before.user) / result.total;
          const systemUs = (after.system - before.system) / result.total;
          cpu[variant].push(userUs + systemUs);
          user[variant].push(userUs);
          system[variant].push(systemUs);
          const batches = after.batches - before.batches;
          if (batches > 0) rowsPerBatch[variant].push((after.events - before.events) / batches);
        } finally {
          await server.stop();
        }
      }
    }
  } finally {
    unpin();
  }
  return { samples, cpu, user, system, rowsPerBatch };
}
