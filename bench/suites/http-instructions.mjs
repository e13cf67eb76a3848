// express-instructions and koa-instructions: the middleware targets (≥ 0.97× the AsyncLocalStorage
// floor) measured as instructions per request under callgrind, in V8's steady state (after its
// optimising compiler has finished with the request path), where req/s rounds on this 2-core VM
// spread by ±40 % (see bench/lib/instructions.mjs and docs/performance-history.md, fourth pass).
// express-event-instructions: where a durable event's user-space work goes, counted the same way
// (no verdict: express-event decides target 2, whose req/s rounds spread by ±12–100 % on Node 20).
import { instructionCountingUnavailable, instructionsPerRequest, unsettledRounds } from '../lib/instructions.mjs';
import { serverNode, serverScript } from '../lib/http-load.mjs';
import { summarize } from '../lib/stats.mjs';
import { finishSuite } from '../lib/report.mjs';

// ≥ 0.97× the floor's throughput is ≤ 1/0.97 of its instructions per request.
const MIDDLEWARE_TARGET = Number((1 / 0.97).toFixed(3));

/**
 * `targets`: the variants judged against `floor` by their main thread's count, at most `ratio`
 * times its count (none: rows without a verdict, `why` says why); `connections`: concurrent
 * clients of the load (the event suite needs the req/s suite's 50, or its group commit would
 * write smaller batches); `settle`: re-count rounds taken before V8 had settled (unsettledRounds),
 * for servers whose other threads do nothing but V8's own work.
 */
async function count(suite, script, { floor, variants, targets, ratio, connections, why, settle }, { quick }) {
  const unavailable = instructionCountingUnavailable();
  if (unavailable !== null) {
    console.log(`\n## ${suite}: skipped (${unavailable}); the previous result is kept`);
    return { skipped: true };
  }
  const runs = quick ? 1 : 3;
  const requests = quick ? 300 : 3000;
  // V8 optimises a function called once per request after thousands of calls: counted after 1,500
  // requests, TurboFan was still compiling the request path (≈ 60 % of all instructions, on other
  // threads). Outside valgrind it has finished after ~20,000; 40,000 run uninstrumented, in seconds.
  const warmup = quick ? 5000 : 40_000;
  const reconnectWarmup = quick ? 300 : 3000;
  const measure = (variant) =>
    instructionsPerRequest({ script: serverScript(script), variant, warmup, reconnectWarmup, requests, connections });
  const rounds = Object.fromEntries(variants.map((v) => [v, []]));
  // One server at a time: under CPU contention V8's timer- and idle-driven work (GC tasks,
  // concurrent compilation) shifts, and the counts with it.
  for (let round = 0; round < runs; round++)
    for (const variant of variants) rounds[variant].push(await measure(variant));
  const recounted = settle ? await recountUnsettled(rounds, measure) : { recounted: 0, unsettled: 0 };
  const all = Object.fromEntries(variants.map((v) => [v, rounds[v].map((r) => r.all)]));
  const main = Object.fromEntries(variants.map((v) => [v, rounds[v].map((r) => r.main)]));
  const rows = [];
  const targetText = `≤ ${ratio}× (${why})`;
  const add = (counts, threads) => {
    const name = (v) => `${v} instructions/request, ${threads === 'main' ? 'main thread' : 'all threads'}`;
    for (const v of variants)
      rows.push({
        name: name(v),
        unit: 'instr',
        ...summarize(counts[v]),
        ...(v === floor ? {} : { baseline: name(floor), higherIsBetter: false }),
        ...(threads === 'main' && targets.includes(v) ? { target: ratio, targetText } : {}),
      });
  };
  add(main, 'main');
  add(all, 'all');
  const counted = `${requests.toLocaleString('en-US')} requests counted after ${warmup.toLocaleString('en-US')} uninstrumented ones of warm-up in 40 loads, each on new connections, and ${reconnectWarmup.toLocaleString('en-US')} more on new connections, ${connections} connections; ${runs} interleaved rounds, one server at a time; servers on Node ${serverNode}`;
  const settleNote =
    recounted.recounted === 0
      ? []
      : [
          `${recounted.recounted} round(s) re-counted: V8's compiler threads were still at work when they were counted (other threads > ${SETTLE_TOLERANCE * 100} % of the main thread's count above the suite's usual share)${recounted.unsettled > 0 ? `; ${recounted.unsettled} still unsettled after ${RECOUNT_ATTEMPTS} attempts, kept` : ''}`,
        ];
  const notes =
    targets.length === 0
      ? [
          `callgrind instructions per request, main thread and all threads, ${counted}`,
          `no verdict here (${why}): the ratio is instructions against ${floor}'s (lower is better)`,
        ]
      : [
          `callgrind instructions per request (the main thread: the verdict; all threads: for reference), ${counted}`,
          `the ratio is instructions against ${floor}'s (lower is better); ≤ ${ratio}× is the throughput target ${why}`,
        ];
  return finishSuite(suite, rows, [...notes, ...settleNote], { runtime: serverNode });
}

const SETTLE_TOLERANCE = 0.05;
const RECOUNT_ATTEMPTS = 2;

/** Counts each unsettled round again (in a new server), up to RECOUNT_ATTEMPTS times, in place. */
async function recountUnsettled(rounds, measure) {
  let recounted = 0;
  let pending = unsettledRounds(rounds, SETTLE_TOLERANCE);
  for (let attempt = 0; attempt < RECOUNT_ATTEMPTS && pending.length > 0; attempt++) {
    for (const { variant, index } of pending) {
      if (attempt === 0) recounted++;
      rounds[variant][index] = await measure(variant);
    }
    pending = unsettledRounds(rounds, SETTLE_TOLERANCE);
  }
  return { recounted, unsettled: pending.length };
}

const middleware = (floor) => ({
  floor,
  variants: [floor, 'als+id', 'audit-context', 'audit-context/no-echo'],
  targets: ['audit-context'],
  ratio: MIDDLEWARE_TARGET,
  // In V8's steady state, outside valgrind, the main thread does 96–99 % of a server's CPU work,
  // while under valgrind its compiler threads keep working (30–50 % of all instructions after
  // 40,000 requests, almost all of it compile jobs), an artefact that moves the all-thread count
  // by ±15 % between processes. So the main thread decides.
  connections: 4,
  why: "≥ 0.97× the floor's throughput",
  settle: true,
});

export const expressInstructions = (opts) =>
  count('express-instructions', 'express-server.mjs', middleware('als'), opts);
export const koaInstructions = (opts) => count('koa-instructions', 'koa-server.mjs', middleware('koa-als'), opts);

export const expressEventInstructions = (opts) =>
  count(
    'express-event-instructions',
    'express-server.mjs',
    {
      floor: 'bare',
      variants: ['bare', 'raw-batched', 'audit-event', 'audit-event/better-sqlite3'],
      // No verdict here: a durable write's kernel work (WAL writes, fsyncs, the thread pool's
      // futexes: +13 µs of system time per request on this VM) is not counted, nor are the cache
      // misses of a larger working set, so the req/s suite (express-event) decides target 2; these
      // rows show where its user-space instructions go.
      targets: [],
      connections: 50,
      why: 'the kernel work of a durable write is not counted: express-event decides target 2',
    },
    opts,
  );
