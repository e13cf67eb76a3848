import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { median } from './stats.mjs';

/** Where full runs keep their results (bench/results; its runs/ folder is committed). */
export const DEFAULT_RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

/**
 * Where results go: AUDIT_BENCH_RESULTS_DIR when set (a test's smoke run must not replace a real
 * result), else bench/results, else, for a --quick run, bench/results/quick, so a smoke run's
 * indicative figures never become the latest result that SUMMARY.md and the docs table show. Read
 * on every call, so it does not matter which module imported this one first.
 */
export function resultsDir({ quick = false } = {}) {
  const chosen = process.env.AUDIT_BENCH_RESULTS_DIR;
  if (chosen) return resolve(chosen);
  return quick ? join(DEFAULT_RESULTS_DIR, 'quick') : DEFAULT_RESULTS_DIR;
}

const fmt = (n) =>
  Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : Math.abs(n) >= 1 ? n.toFixed(2) : n.toPrecision(3);

/**
 * rows: { name, unit, median, spread, baseline?: string (name of the row it is compared to),
 *         higherIsBetter?: boolean (default true), target?: number (minimum ratio, or maximum when
 *         higherIsBetter is false) }
 * Ratio = ours / baseline. When both rows were measured in the same interleaved rounds, it is the
 * median of the per-round ratios: each round's pair shared the machine's state, so drift between
 * rounds (another process, thermal, page cache) cancels out instead of widening the verdict.
 */
export function finishSuite(suite, rows, notes = [], { runtime = process.version } = {}) {
  const byName = new Map(rows.map((r) => [r.name, r]));
  for (const row of rows) {
    if (!row.baseline) continue;
    const base = byName.get(row.baseline);
    if (!base || base.median === 0) continue;
    row.ratio = pairedRatio(row, base) ?? row.median / base.median;
    if (row.target !== undefined) {
      const higher = row.higherIsBetter !== false;
      row.pass = higher ? row.ratio >= row.target : row.ratio <= row.target;
    }
  }
  const header = ['variant', 'median', 'unit', 'spread', 'vs', 'ratio', 'target', 'ok'];
  const table = rows.map((r) => [
    r.name,
    fmt(r.median),
    r.unit,
    r.range ? spreadOf(r) : `±${(r.spread * 100).toFixed(1)}%`,
    r.baseline ?? '',
    r.ratio === undefined ? '' : `${r.ratio.toFixed(3)}×`,
    r.targetText ?? (r.target === undefined ? '' : `${r.higherIsBetter === false ? '≤' : '≥'} ${r.target}×`),
    r.pass === undefined ? '' : r.pass ? 'yes' : 'MISSED',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => String(row[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ');
  console.log(`\n## ${suite}`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of table) console.log(line(row));
  for (const note of notes) console.log(`  note: ${note}`);
  const result = {
    suite,
    date: new Date().toISOString(),
    // The Node.js the measured code ran on (an HTTP suite's servers may run on another one).
    runtime,
    machine: {
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      cpuId: cpuId(),
      node: process.version,
      memGiB: Math.round(os.totalmem() / 2 ** 30),
    },
    rows,
    notes,
  };
  saveResult(result);
  return result;
}

/**
 * The host CPU more exactly than its model name, which a VM may shorten to `AMD EPYC` across
 * generations that run the same code at different speeds: `family 25 model 1 stepping 1, 2445 MHz`
 * from /proc/cpuinfo, or null where there is none.
 */
export function cpuId() {
  let text;
  try {
    text = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return null;
  }
  const field = (name) => text.match(new RegExp(`^${name}\\s*:\\s*(.+)$`, 'm'))?.[1].trim();
  const family = field('cpu family');
  const model = field('model');
  if (family === undefined || model === undefined) return null;
  const mhz = Number(field('cpu MHz'));
  return `family ${family} model ${model} stepping ${field('stepping') ?? '?'}${mhz > 0 ? `, ${Math.round(mhz)} MHz` : ''}`;
}

/** `node20` for v20.20.2: results of one major replace each other, majors are kept side by side. */
export function runtimeTag(version) {
  return `node${String(version).replace(/^v/, '').split('.')[0]}`;
}

/** The latest result file of `suite` measured on `runtime`. */
function resultFile(suite, runtime) {
  return join(resultsDir(), `${suite}.${runtimeTag(runtime)}.json`);
}

/** Writes a suite's result (again, after the runner added what it measured around the suite). */
export function saveResult(result) {
  mkdirSync(resultsDir(), { recursive: true });
  writeFileSync(resultFile(result.suite, result.runtime ?? result.machine.node), JSON.stringify(result, null, 2));
}

function pairedRatio(row, base) {
  const a = row.values;
  const b = base.values;
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length || a.length === 0) return undefined;
  if (b.some((v) => v === 0)) return undefined;
  const ratios = a.map((v, i) => v / b[i]);
  row.ratios = ratios;
  return median(ratios);
}

/** A figure with its spread: relative (±%), or the rounds' range where a median is near zero. */
const spreadOf = (row) =>
  row.range ? `(${row.range.map((v) => fmt(v)).join(' … ')})` : `±${(row.spread * 100).toFixed(0)}%`;
const cell = (row) => (row ? `${fmt(row.median)} ${row.unit} ${spreadOf(row)}` : '');
const ratioCell = (row) => (row?.ratio === undefined ? '' : `${row.ratio.toFixed(3)}×`);
const okCell = (row) => (row?.pass === undefined ? '' : row.pass ? 'yes' : '**missed**');
const targetOf = (row) =>
  row.targetText ?? (row.target === undefined ? '' : (row.higherIsBetter === false ? '≤ ' : '≥ ') + row.target + '×');

/**
 * The markdown table of docs/performance.md: one row per suite and variant, one group of columns
 * per Node.js major (oldest first), so both runtimes are read side by side.
 */
export function markdownTable(results) {
  const tags = [...new Set(results.map((r) => runtimeTag(r.runtime ?? r.machine.node)))].sort(
    (a, b) => Number(a.slice(4)) - Number(b.slice(4)),
  );
  const names = tags.map((t) => `Node ${t.slice(4)}`);
  const out = [
    `| suite | variant | vs | ${names.map((n) => `${n} | ratio | ok`).join(' | ')} | target |`,
    `|---|---|---|${names.map(() => '---|---|---').join('|')}|---|`,
  ];
  // Suites in the order they were given, variants in each suite's own order, whichever runtime has them.
  const suites = [...new Set(results.map((r) => r.suite))];
  for (const suite of suites) {
    const byTag = new Map(
      results
        .filter((r) => r.suite === suite)
        .map((r) => [runtimeTag(r.runtime ?? r.machine.node), new Map(r.rows.map((row) => [row.name, row]))]),
    );
    const variants = [...new Set([...byTag.values()].flatMap((rows) => [...rows.keys()]))];
    for (const variant of variants) {
      const rows = tags.map((tag) => byTag.get(tag)?.get(variant));
      const any = rows.find(Boolean);
      const cells = rows.map((row) => `${cell(row)} | ${ratioCell(row)} | ${okCell(row)}`);
      out.push(`| ${suite} | ${variant} | ${any.baseline ?? ''} | ${cells.join(' | ')} | ${targetOf(any)} |`);
    }
  }
  return out.join('\n');
}
