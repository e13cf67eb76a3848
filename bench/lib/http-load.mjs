// Starts a server variant in its own process and loads it with autocannon from this process, so the
// load generator and the server never share an event loop (they do share the machine's 2 cores).
import { fork } from 'node:child_process';
import autocannon from 'autocannon';

export async function startServer(script, args = [], env = {}) {
  // BENCH_SERVER_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the servers under load.
  const execArgv = process.env.BENCH_SERVER_ARGS ? process.env.BENCH_SERVER_ARGS.split(' ') : [];
  const child = fork(script, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, ...env } });
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} ${args.join(' ')} did not start`)), 15000);
    child.once('message', (msg) => {
      clearTimeout(timer);
      msg && msg.port ? resolve(msg.port) : reject(new Error(`bad start message ${JSON.stringify(msg)}`));
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before listening`)));
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

export async function load({ port, path = '/', method = 'GET', body, headers, duration, connections = 50 }) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${path}`,
    method,
    body,
    headers,
    duration,
    connections,
    pipelining: 1,
  });
  const bad = result.errors + result.timeouts + result.non2xx;
  if (bad > 0) throw new Error(`load on ${path} had ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx`);
  return result.requests.average;
}

/**
 * Runs every variant `runs` times, interleaved (A B C A B C …) so drift on a noisy machine hits all
 * variants alike, and returns req/s samples per variant. Each variant gets its own server process
 * per round, warmed up before it is measured.
 */
export async function compareVariants({ script, variants, runs, duration, warmup = 1, request = {} }) {
  const samples = Object.fromEntries(variants.map((v) => [v, []]));
  for (let round = 0; round < runs; round++) {
    for (const variant of variants) {
      const server = await startServer(script, [variant]);
      try {
        await load({ port: server.port, duration: warmup, ...request });
        samples[variant].push(await load({ port: server.port, duration, ...request }));
      } finally {
        await server.stop();
      }
    }
  }
  return samples;
}
