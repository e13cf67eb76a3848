// express-overhead, koa-overhead and express-event: req/s of each variant against its baselines.
import { compareVariants, pinning, serverNode, serverScript } from '../lib/http-load.mjs';
import { median, summarize } from '../lib/stats.mjs';
import { finishSuite } from '../lib/report.mjs';

/**
 * `compare` adds rows that set one variant against a second baseline, e.g. ours against the bare
 * AsyncLocalStorage floor: [{ variant, baseline, target? }].
 */
async function measure(suite, script, variants, opts, describe, compare = []) {
  const { samples, cpu, user, system, rowsPerBatch } = await compareVariants({
    script: serverScript(script),
    variants,
    ...opts,
  });
  const rows = variants.map((v) => ({ name: v, unit: 'req/s', ...summarize(samples[v]), ...describe(v) }));
  // Server CPU per request: the cost itself, whichever side (server or load generator) limited a run.
  for (const v of variants) {
    const { baseline } = describe(v);
    rows.push({
      name: `${v} CPU/request`,
      unit: 'µs',
      ...summarize(cpu[v]),
      // Kept in the run's JSON: whether a cost the instruction counts miss is the kernel's or user space's.
      userMedian: median(user[v]),
      systemMedian: median(system[v]),
      ...(baseline ? { baseline: `${baseline} CPU/request`, higherIsBetter: false } : {}),
    });
  }
  // What each commit's fixed cost is shared by, for the variants that write batches.
  for (const v of variants) {
    if (rowsPerBatch[v].length > 0) rows.push({ name: `${v} rows/batch`, unit: 'rows', ...summarize(rowsPerBatch[v]) });
  }
  for (const { variant, baseline, target } of compare) {
    const ours = rows.find((r) => r.name === variant);
    rows.push({
      name: `${variant} vs ${baseline}`,
      unit: 'req/s',
      median: ours.median,
      spread: ours.spread,
      values: ours.values,
      baseline,
      ...(target ? { target } : {}),
    });
  }
  // Servers on another Node (BENCH_SERVER_NODE) give that runtime's result, beside the machine's.
  return finishSuite(
    suite,
    rows,
    [
      `${opts.runs} interleaved runs of ${opts.duration}s, 50 connections, autocannon in a separate process (${pinning}); servers on Node ${serverNode}; ratios are medians of per-round ratios`,
      "CPU/request is the server process's CPU time (all threads) per request: its ratio is the cost multiplier (lower is better); the run's JSON keeps its user and system medians (userMedian, systemMedian)",
    ],
    { runtime: serverNode },
  );
}

export async function expressOverhead(opts) {
  return measure(
    'express-overhead',
    'express-server.mjs',
    [
      'bare',
      'als',
      'als+id',
      'audit-context',
      'audit-context/no-echo',
      'cls-hooked',
      'cls-rtracer',
      'pino-http',
      'express-http-context',
    ],
    opts,
    (v) => (v === 'bare' ? {} : { baseline: 'bare' }),
    [
      { variant: 'audit-context', baseline: 'als', target: 0.97 },
      { variant: 'audit-context/no-echo', baseline: 'als' },
      { variant: 'als+id', baseline: 'als' },
    ],
  );
}

export async function koaOverhead(opts) {
  return measure(
    'koa-overhead',
    'koa-server.mjs',
    ['bare', 'koa-als', 'als+id', 'audit-context', 'audit-context/no-echo'],
    opts,
    (v) => (v === 'bare' ? {} : { baseline: 'bare' }),
    [
      { variant: 'audit-context', baseline: 'koa-als', target: 0.97 },
      { variant: 'audit-context/no-echo', baseline: 'koa-als' },
      { variant: 'als+id', baseline: 'koa-als' },
    ],
  );
}

export async function expressEvent(opts) {
  // The second target of this suite: group commit beats one awaited INSERT per request. Both
  // SQLite drivers the store supports are measured, each against a raw insert through itself.
  // raw-batched is the floor: the same durable write per request, batched by hand with nothing else;
  // raw-batched+context the floor of an audited one (inside an ALS run holding the request id, which
  // the row stores); audit-event/no-echo is ours without the echo header, the like-for-like pair.
  const variants = [
    'bare',
    'raw-batched',
    'raw-batched+context',
    'raw-insert',
    'audit-event',
    'audit-event/no-echo',
    'raw-insert/better-sqlite3',
    'audit-event/better-sqlite3',
  ];
  return measure(
    'express-event',
    'express-server.mjs',
    variants,
    opts,
    // The target is the default middleware's, through each driver; no-echo is there for the floor's pair.
    (v) =>
      v === 'bare'
        ? {}
        : v === 'audit-event' || v === 'audit-event/better-sqlite3'
          ? { baseline: 'bare', target: 0.8 }
          : { baseline: 'bare' },
    [
      { variant: 'audit-event', baseline: 'raw-insert', target: 1 },
      { variant: 'audit-event/better-sqlite3', baseline: 'raw-insert/better-sqlite3', target: 1 },
      { variant: 'audit-event', baseline: 'raw-batched' },
      { variant: 'audit-event/no-echo', baseline: 'raw-batched+context' },
      { variant: 'audit-event/better-sqlite3', baseline: 'raw-batched+context' },
    ],
  );
}
