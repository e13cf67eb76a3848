// Where one server variant costs more than another, function by function: both counted under
// callgrind as the instruction suites count them, with its cache and branch simulation, V8's JIT
// code named through --perf-basic-prof. Per request, main thread, sorted by the estimated cycles
// each function adds. `node bench/probes/profile-diff.mjs express-server.mjs als audit-context
// [--top 40]` (BENCH_SERVER_NODE picks the Node). One round each: V8's inlining moves costs
// between neighbouring functions by a few hundred instructions (a caller's loss is its callee's
// gain), so read pairs of rows, not one; and totals within ~2 % of each other are noise (single
// rounds of one build ranged 254.9k-261.3k estimated cycles in the twenty-first pass).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { functionCosts, perfMap } from '../lib/callgrind-dump.mjs';
import { serverNode, serverScript } from '../lib/http-load.mjs';
import { instructionCountingUnavailable, instructionsPerRequest } from '../lib/instructions.mjs';
import { CACHE_MODEL, estimatedCycles, MEASURES } from '../lib/cache-model.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '40' }, requests: { type: 'string', default: '3000' } },
});
const [script = 'express-server.mjs', base = 'als', variant = 'audit-context'] = positionals;
const unavailable = instructionCountingUnavailable();
if (unavailable !== null) throw new Error(unavailable);

const dir = mkdtempSync(join(tmpdir(), 'audit-bench-profile-'));
const requests = Number(values.requests);
async function profile(name) {
  const dump = join(dir, `${name.replace(/\W/g, '_')}.cg`);
  const { pid } = await instructionsPerRequest({
    script: serverScript(script),
    variant: name,
    requests,
    callgrindOptions: CACHE_MODEL,
    env: { NODE_OPTIONS: '--perf-basic-prof' },
    keepMainDump: dump,
  });
  const mapFile = `/tmp/perf-${pid}.map`;
  try {
    return functionCosts(readFileSync(dump, 'utf8'), perfMap(readFileSync(mapFile, 'utf8')));
  } finally {
    rmSync(mapFile, { force: true });
  }
}

try {
  const before = await profile(base);
  const after = await profile(variant);
  const zero = Object.fromEntries(Object.keys(before.values().next().value).map((e) => [e, 0]));
  const total = (costs) => [...costs.values()].reduce((sum, c) => sum + estimatedCycles(c), 0) / requests;
  console.log(
    `${script} on Node ${serverNode}: ${variant} against ${base}, per request, main thread (estimated cycles ${Math.round(total(before)).toLocaleString('en-US')} → ${Math.round(total(after)).toLocaleString('en-US')})`,
  );
  console.log(
    `| function | +cycles (est.) | ${Object.keys(MEASURES)
      .map((m) => `+${m}`)
      .join(' | ')} |`,
  );
  console.log(
    `|---|---|${Object.keys(MEASURES)
      .map(() => '---')
      .join('|')}|`,
  );
  const rows = [...new Set([...before.keys(), ...after.keys()])].map((name) => {
    const a = before.get(name) ?? zero;
    const b = after.get(name) ?? zero;
    return {
      name,
      cycles: (estimatedCycles(b) - estimatedCycles(a)) / requests,
      measures: Object.values(MEASURES).map((pick) => (pick(b) - pick(a)) / requests),
    };
  });
  rows.sort((x, y) => Math.abs(y.cycles) - Math.abs(x.cycles));
  for (const row of rows.slice(0, Number(values.top)))
    console.log(
      `| ${row.name.slice(0, 120)} | ${Math.round(row.cycles)} | ${row.measures.map(Math.round).join(' | ')} |`,
    );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
