// Req/s ratios that a noisy shared host leaves readable: every variant's server stays up, pinned to
// the same core, and the load moves between them every `--window` ms (baseline, v1, v2, …,
// baseline, …), so each variant's window is set against baseline windows a few hundred
// milliseconds away. A round's ratio is the median of those. Processes of one build differ by a
// few percent (what V8 inlined where), so each round starts fresh servers, and the verdict is the
// median over rounds with a 95 % interval (order statistics).
// `node bench/probes/time-sliced.mjs express-server.mjs als audit-context/no-echo [als …]`
// [--rounds 10 --seconds 30 --window 200 --warmup 5 --connections 50]; BENCH_SERVER_NODE picks the
// servers' Node. Naming the baseline again (`als als`) is the A/A check: 1.000 must be in its interval.
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { pinLoadGenerator, serverCpu, serverNode, serverScript, startServer } from '../lib/http-load.mjs';
import { openSlicedLoad } from '../lib/sliced-load.mjs';
import { median, quartileSpread } from '../lib/stats.mjs';
import { measureSteal } from '../lib/steal.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '30' },
    window: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '5' },
    connections: { type: 'string', default: '50' },
  },
});
const [script = 'express-server.mjs', ...variants] = positionals;
if (variants.length < 2) throw new Error('usage: time-sliced.mjs <server script> <baseline> <variant…>');
for (const [name, value] of Object.entries(values))
  if (!(Number(value) > 0)) throw new Error(`--${name} needs a positive number, got "${value}"`);
const windowMs = Number(values.window);
// baseline, v1, v2, …: each server is loaded once a cycle, so each has the same share of the
// caches (a baseline loaded twice as often read an A/A copy 0.982×); a variant's window is set
// against the baseline interpolated between the windows of this cycle and the next.
const cycle = variants.map((_, i) => i);
const cycles = Math.max(2, Math.round((Number(values.seconds) * 1000) / (windowMs * cycle.length)));

const rounds = [];
const unpin = pinLoadGenerator();
try {
  for (let r = 0; r < Number(values.rounds); r++) {
    const measured = await round(r);
    rounds.push(measured);
    const others = measured.variants.slice(1);
    const ratios = others.map((v, i) => `${variants[i + 1]} ${v.ratio.toFixed(3)}×`);
    const spreads = others.map((v) => `${(100 * v.ratioSpread).toFixed(1)} %`);
    console.error(`round ${r + 1}: ${ratios.join(', ')} (ratios' spread ${spreads.join(', ')})`);
  }
} finally {
  unpin();
}
report();

/** One round: fresh servers, started in a rotated order, warmed up, then the sliced windows. */
async function round(r) {
  const servers = new Array(variants.length);
  try {
    for (let k = 0; k < variants.length; k++) {
      const index = (k + r) % variants.length;
      servers[index] = await startServer(serverScript(script), [variants[index]]);
    }
    const load = await openSlicedLoad(
      servers.map((s) => s.port),
      Number(values.connections),
    );
    try {
      // V8 reaches its steady state in each server before anything counts. Switching as the
      // measurement does, so that no connection idles into the server's keep-alive timeout (5 s).
      const warmupEnd = performance.now() + Number(values.warmup) * 1000 * variants.length;
      for (let w = 0; performance.now() < warmupEnd; w++) {
        load.switchTo(cycle[w % cycle.length]);
        await sleep(windowMs);
      }
      const plan = [...cycle, ...Array.from({ length: cycles }, () => cycle).flat(), 0, 1];
      const cpuBefore = await Promise.all(servers.map((s) => serverCpu(s.child)));
      const stealShare = measureSteal();
      const ownCpu = process.cpuUsage();
      const marks = []; // at each switch: the time and every server's answers so far
      for (const index of plan) {
        marks.push({ at: performance.now(), answered: [...load.answered] });
        load.switchTo(index);
        await sleep(windowMs);
      }
      marks.push({ at: performance.now(), answered: [...load.answered] });
      const cpuAfter = await Promise.all(servers.map((s) => serverCpu(s.child)));
      const loaderCpu = process.cpuUsage(ownCpu);
      return summarize({ plan, marks, cpuBefore, cpuAfter, loaderCpu, steal: stealShare() });
    } finally {
      load.close();
    }
  } finally {
    await Promise.all(servers.filter(Boolean).map((s) => s.stop()));
  }
}

function summarize({ plan, marks, cpuBefore, cpuAfter, loaderCpu, steal }) {
  // Window w's rate: its server's answers from its start until the next window ends (the requests
  // in flight at the switch finish in the next window), over its own length. The first cycle warms
  // the switching up and does not count; the last window is there to drain the closing baseline's.
  const windows = [];
  for (let w = cycle.length; w < plan.length - 1; w++) {
    const index = plan[w];
    const answered = marks[w + 2].answered[index] - marks[w].answered[index];
    windows.push({ index, w, answered, ms: marks[w + 1].at - marks[w].at });
  }
  const rateOf = new Map(windows.map((x) => [x.w, (1000 * x.answered) / x.ms]));
  const wall = marks.at(-1).at - marks[cycle.length].at;
  return {
    steal,
    loaderBusy: (loaderCpu.user + loaderCpu.system) / 1000 / wall,
    variants: variants.map((_, index) => {
      const own = windows.filter((x) => x.index === index);
      const cpu = cpuAfter[index].user + cpuAfter[index].system - cpuBefore[index].user - cpuBefore[index].system;
      const answered = own.reduce((sum, x) => sum + x.answered, 0);
      const activeMs = own.reduce((sum, x) => sum + x.ms, 0);
      const share = index / cycle.length; // how far this window is from this cycle's baseline to the next
      const baseline = (w) => (1 - share) * rateOf.get(w - index) + share * rateOf.get(w - index + cycle.length);
      const rates = own.map((x) => rateOf.get(x.w));
      const ratios = own.map((x, i) => rates[i] / baseline(x.w));
      return {
        rate: median(rates),
        rateSpread: quartileSpread(rates),
        cpuPerRequest: cpu / answered,
        busy: cpu / 1000 / activeMs,
        ratio: index === 0 ? 1 : median(ratios),
        ratioSpread: index === 0 ? 0 : quartileSpread(ratios),
      };
    }),
  };
}

function report() {
  const steals = rounds.map((r) => r.steal).filter((s) => s !== null);
  console.log(
    `${script} on Node ${serverNode}: ${rounds.length} rounds of ${cycles} cycles of ${windowMs} ms windows, ` +
      `${values.connections} connections; steal ${steals.length ? `${Math.max(...steals).toFixed(1)} % at most` : 'n/a'}; ` +
      `load generator busy ${(100 * median(rounds.map((r) => r.loaderBusy))).toFixed(0)} % of its core`,
  );
  console.log(
    "| variant | req/s | windows' spread | CPU µs/request | server busy | vs baseline | 95 % interval | rounds' range | ratios' spread in a round |",
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const [index, variant] of variants.entries()) {
    const of = (pick) => median(rounds.map((r) => pick(r.variants[index])));
    const cells = [
      Math.round(of((v) => v.rate)).toLocaleString('en-US'),
      `${(100 * of((v) => v.rateSpread)).toFixed(1)} %`,
      of((v) => v.cpuPerRequest).toFixed(2),
      `${(100 * of((v) => v.busy)).toFixed(0)} %`,
    ];
    if (index === 0) cells.push('', '', '', '');
    else {
      const ratios = rounds.map((r) => r.variants[index].ratio);
      const [low, high] = medianInterval(ratios);
      cells.push(
        `${median(ratios).toFixed(3)}×`,
        `${low.toFixed(3)}–${high.toFixed(3)}`,
        `${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)}`,
        `${(100 * of((v) => v.ratioSpread)).toFixed(1)} %`,
      );
    }
    console.log(`| ${variant}${variants.indexOf(variant) < index ? ' (again)' : ''} | ${cells.join(' | ')} |`);
  }
}

/** A distribution-free ~95 % interval for the median: the order statistics n/2 ∓ 0.98·√n (all of them under 6). */
function medianInterval(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n < 6) return [sorted[0], sorted[n - 1]];
  const low = Math.max(0, Math.floor(n / 2 - 0.98 * Math.sqrt(n)));
  const high = Math.min(n - 1, Math.ceil(n / 2 + 0.98 * Math.sqrt(n)) - 1);
  return [sorted[low], sorted[high]];
}
