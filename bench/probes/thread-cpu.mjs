// CPU time per thread of one server variant, outside valgrind, around batches of requests:
// `node bench/probes/thread-cpu.mjs koa-server.mjs koa-als` (BENCH_SERVER_NODE picks the Node).
// It shows when V8's compiler threads go quiet (the steady state the instruction suites count in)
// and how much of a request's work the main thread does then. Linux only (/proc); clock ticks.
import { readdirSync, readFileSync } from 'node:fs';
import { loadResult, serverScript, startServer } from '../lib/http-load.mjs';

const [script = 'koa-server.mjs', variant = 'koa-als'] = process.argv.slice(2);
const BATCHES = [1500, 3000, 10_000, 30_000, 30_000];

/** utime + stime of each thread of `pid`, by thread id. */
function threadTicks(pid) {
  const ticks = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks.set(tid, Number(fields[11]) + Number(fields[12])); // fields 14 and 15 of stat(5)
  }
  return ticks;
}

const server = await startServer(serverScript(script), [variant]);
try {
  const pid = String(server.child.pid); // taskset execs into node: the same pid, the main thread's tid
  let before = threadTicks(pid);
  console.log(`${script} ${variant}: CPU ticks per batch, main thread / the other threads`);
  for (const amount of BATCHES) {
    await loadResult({ port: server.port, amount, connections: 4, timeout: 60 });
    const after = threadTicks(pid);
    let other = 0;
    for (const [tid, t] of after) if (tid !== pid) other += t - (before.get(tid) ?? 0);
    console.log(`${String(amount).padStart(6)} requests: ${after.get(pid) - before.get(pid)} / ${other}`);
    before = after;
  }
} finally {
  await server.stop();
}
