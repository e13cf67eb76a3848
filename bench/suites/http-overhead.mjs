// express-overhead, koa-overhead and express-event: req/s of each variant against its baselines.
import { fileURLToPath } from 'node:url';
import { compareVariants, pinning } from '../lib/http-load.mjs';
import { summarize } from '../lib/stats.mjs';
import { finishSuite } from '../lib/report.mjs';

const server = (name) => fileURLToPath(new URL(`../servers/${name}`, import.meta.url));

async function measure(suite, script, variants, opts, describe) {
  const { samples, cpu } = await compareVariants({ script: server(script), variants, ...opts });
  const rows = variants.map((v) => ({ name: v, unit: 'req/s', ...summarize(samples[v]), ...describe(v) }));
  // Server CPU per request: the cost itself, whichever side (server or load generator) limited a run.
  for (const v of variants) {
    const { baseline } = describe(v);
    rows.push({
      name: `${v} CPU/request`,
      unit: 'µs',
      ...summarize(cpu[v]),
      ...(baseline ? { baseline: `${baseline} CPU/request`, higherIsBetter: false } : {}),
    });
  }
  return finishSuite(suite, rows, [
    `${opts.runs} interleaved runs of ${opts.duration}s, 50 connections, autocannon in a separate process (${pinning}); ratios are medians of per-round ratios`,
    'CPU/request is the server process\'s CPU time (all threads) per request: its ratio is the cost multiplier (lower is better)',
  ]);
}

export async function expressOverhead(opts) {
  return measure('express-overhead', 'express-server.mjs', ['bare', 'audit-context', 'cls-hooked', 'cls-rtracer', 'pino-http'], opts, (v) =>
    v === 'bare' ? {} : v === 'audit-context' ? { baseline: 'bare', target: 0.95 } : { baseline: 'bare' },
  );
}

export async function koaOverhead(opts) {
  return measure('koa-overhead', 'koa-server.mjs', ['bare', 'koa-als', 'audit-context'], opts, (v) =>
    v === 'bare' ? {} : v === 'audit-context' ? { baseline: 'bare', target: 0.95 } : { baseline: 'bare' },
  );
}

export async function expressEvent(opts) {
  const result = await measure('express-event', 'express-server.mjs', ['bare', 'raw-insert', 'audit-event'], opts, (v) =>
    v === 'bare' ? {} : v === 'audit-event' ? { baseline: 'bare', target: 0.8 } : { baseline: 'bare' },
  );
  const ours = result.rows.find((r) => r.name === 'audit-event');
  const raw = result.rows.find((r) => r.name === 'raw-insert');
  // The second target of this suite: group commit beats one awaited INSERT per request.
  result.rows.push({
    name: 'audit-event vs raw-insert',
    unit: 'req/s',
    median: ours.median,
    spread: ours.spread,
    values: ours.values,
    ratio: ours.median / raw.median,
    target: 1,
    pass: ours.median > raw.median,
    baseline: 'raw-insert',
  });
  return finishSuite('express-event', result.rows, result.notes);
}
