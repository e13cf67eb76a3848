// What instructions do not show: simulated cache misses and mispredicted branches per request,
// main thread, for server variants counted as the instruction suites count them (warm V8, new
// connections), the first variant the baseline of the ratios.
// `node bench/probes/cache-sim.mjs express-server.mjs als audit-context [--rounds N]`
// (BENCH_SERVER_NODE picks the Node). The model is bench/lib/cache-model.mjs's; profile-diff.mjs shows
// which functions a difference is in. Three rounds by default: one round's estimated cycles move
// by up to ±2 % between repeats of one build (twenty-first pass), as much as the differences read.
import { parseArgs } from 'node:util';
import { instructionCountingUnavailable, instructionsPerRequest } from '../lib/instructions.mjs';
import { serverNode, serverScript } from '../lib/http-load.mjs';
import { median } from '../lib/stats.mjs';
import { CACHE_MODEL, estimatedCycles, MEASURES } from '../lib/cache-model.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '3' }, requests: { type: 'string', default: '3000' } },
});
const [script = 'express-server.mjs', ...variants] = positionals;
if (variants.length === 0) variants.push('als', 'audit-context');
const unavailable = instructionCountingUnavailable();
if (unavailable !== null) throw new Error(unavailable);

const COLUMNS = { ...MEASURES, 'cycles (est.)': estimatedCycles };
const rounds = Object.fromEntries(variants.map((v) => [v, []]));
for (let round = 0; round < Number(values.rounds); round++)
  for (const variant of variants) {
    const counted = await instructionsPerRequest({
      script: serverScript(script),
      variant,
      requests: Number(values.requests),
      callgrindOptions: CACHE_MODEL,
    });
    rounds[variant].push(counted.events);
    console.error(`${variant} round ${round + 1}: ${Math.round(counted.main)} instr.`);
  }

console.log(`${script} on Node ${serverNode}: per request, main thread, median of ${values.rounds} rounds`);
console.log(`| variant | ${Object.keys(COLUMNS).join(' | ')} |`);
console.log(
  `|---|${Object.keys(COLUMNS)
    .map(() => '---')
    .join('|')}|`,
);
const first = variants[0];
const med = (variant, pick) => median(rounds[variant].map(pick));
for (const variant of variants) {
  const cells = Object.values(COLUMNS).map((pick) => {
    const value = med(variant, pick);
    const ratio = variant === first ? '' : ` (${(value / med(first, pick)).toFixed(3)}×)`;
    return `${Math.round(value).toLocaleString('en-US')}${ratio}`;
  });
  console.log(`| ${variant} | ${cells.join(' | ')} |`);
}
