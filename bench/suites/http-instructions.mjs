// express-instructions and koa-instructions: the middleware targets (≥ 0.97× the AsyncLocalStorage
// floor) measured as instructions per request under callgrind, which repeats within ~1 % where
// req/s rounds on this 2-core VM spread by ±40 % (see bench/lib/instructions.mjs).
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
  const warmup = quick ? 200 : 1500;
  const all = Object.fromEntries(variants.map((v) => [v, []]));
  // One server at a time: under CPU contention V8's timer- and idle-driven work (GC tasks,
  // concurrent compilation) shifts, and the counts with it.
  for (let round = 0; round < runs; round++)
    for (const variant of variants)
      all[variant].push((await instructionsPerRequest({ script: server(script), variant, warmup, requests })).all);
  const name = (v) => `${v} instructions/request`;
  const rows = variants.map((v) => ({
    name: name(v),
    unit: 'instr',
    ...summarize(all[v]),
    ...(v === floor ? {} : { baseline: name(floor), higherIsBetter: false }),
    ...(v === ours ? { target: TARGET, targetText: `≤ ${TARGET}× (≥ 0.97× the floor's throughput)` } : {}),
  }));
  return finishSuite(
    suite,
    rows,
    [
      `callgrind instructions per request, all threads, ${requests.toLocaleString('en-US')} requests counted after ${warmup.toLocaleString('en-US')} of warm-up, 4 connections; ${runs} interleaved rounds, one server at a time; servers on Node ${serverNode}`,
      `the ratio is instructions against ${floor}'s (lower is better); ≤ ${TARGET}× is the throughput target ≥ 0.97×`,
    ],
    { runtime: serverNode },
  );
}

export const expressInstructions = (opts) =>
  count('express-instructions', 'express-server.mjs', 'als', 'audit-context', opts);
export const koaInstructions = (opts) => count('koa-instructions', 'koa-server.mjs', 'koa-als', 'audit-context', opts);
