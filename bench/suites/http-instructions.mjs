// express-instructions and koa-instructions: the middleware targets (≥ 0.97× the AsyncLocalStorage
// floor) measured as instructions per request under callgrind, in V8's steady state (after its
// optimising compiler has finished with the request path), where req/s rounds on this 2-core VM
// spread by ±40 % (see bench/lib/instructions.mjs and docs/performance.md, fourth pass).
import { fileURLToPath } from 'node:url';
import { instructionCountingUnavailable, instructionsPerRequest } from '../lib/instructions.mjs';
import { serverNode } from '../lib/http-load.mjs';
import { summarize } from '../lib/stats.mjs';
import { finishSuite } from '../lib/report.mjs';

const server = (name) => fileURLToPath(new URL(`../servers/${name}`, import.meta.url));
// ≥ 0.97× the floor's throughput is ≤ 1/0.97 of its instructions per request.
const TARGET = Number((1 / 0.97).toFixed(3));

async function count(suite, script, floor, ours, { quick }) {
  const why = instructionCountingUnavailable();
  if (why !== null) {
    console.log(`\n## ${suite}: skipped (${why}); the previous result is kept`);
    return { skipped: true };
  }
  const variants = [floor, 'als+id', ours, `${ours}/no-echo`];
  const runs = quick ? 1 : 3;
  const requests = quick ? 300 : 3000;
  // V8 optimises a function called once per request after thousands of calls: counted after 1,500
  // requests, TurboFan was still compiling the request path (≈ 60 % of all instructions, on other
  // threads). Outside valgrind it has finished after ~20,000; 40,000 run uninstrumented, in seconds.
  const warmup = quick ? 5000 : 40_000;
  const reconnectWarmup = quick ? 300 : 3000;
  const all = Object.fromEntries(variants.map((v) => [v, []]));
  const main = Object.fromEntries(variants.map((v) => [v, []]));
  // One server at a time: under CPU contention V8's timer- and idle-driven work (GC tasks,
  // concurrent compilation) shifts, and the counts with it.
  for (let round = 0; round < runs; round++)
    for (const variant of variants) {
      const counted = await instructionsPerRequest({
        script: server(script),
        variant,
        warmup,
        reconnectWarmup,
        requests,
      });
      all[variant].push(counted.all);
      main[variant].push(counted.main);
    }
  // The verdict is the main thread's count: in V8's steady state, outside valgrind, the main thread
  // does 96–99 % of a server's CPU work, while under valgrind its compiler threads keep working
  // (30–50 % of all instructions after 40,000 requests, almost all of it compile jobs), an artefact
  // that moves the all-thread count by ±15 % between processes. All threads are reported beside it.
  const rows = [];
  const add = (counts, name, target) => {
    for (const v of variants)
      rows.push({
        name: name(v),
        unit: 'instr',
        ...summarize(counts[v]),
        ...(v === floor ? {} : { baseline: name(floor), higherIsBetter: false }),
        ...(target && v === ours
          ? { target: TARGET, targetText: `≤ ${TARGET}× (≥ 0.97× the floor's throughput)` }
          : {}),
      });
  };
  add(main, (v) => `${v} instructions/request, main thread`, true);
  add(all, (v) => `${v} instructions/request, all threads`, false);
  return finishSuite(
    suite,
    rows,
    [
      `callgrind instructions per request (the main thread: the verdict; all threads: for reference), ${requests.toLocaleString('en-US')} requests counted after ${warmup.toLocaleString('en-US')} + ${reconnectWarmup.toLocaleString('en-US')} uninstrumented ones of warm-up (the second on new connections), 4 connections; ${runs} interleaved rounds, one server at a time; servers on Node ${serverNode}`,
      `the ratio is instructions against ${floor}'s (lower is better); ≤ ${TARGET}× is the throughput target ≥ 0.97×`,
    ],
    { runtime: serverNode },
  );
}

export const expressInstructions = (opts) =>
  count('express-instructions', 'express-server.mjs', 'als', 'audit-context', opts);
export const koaInstructions = (opts) => count('koa-instructions', 'koa-server.mjs', 'koa-als', 'audit-context', opts);
