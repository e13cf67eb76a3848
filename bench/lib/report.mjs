import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { median } from './stats.mjs';

export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

const fmt = (n) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n >= 1 ? n.toFixed(2) : n.toPrecision(3));

/**
 * rows: { name, unit, median, spread, baseline?: string (name of the row it is compared to),
 *         higherIsBetter?: boolean (default true), target?: number (minimum ratio, or maximum when
 *         higherIsBetter is false) }
 * Ratio = ours / baseline. When both rows were measured in the same interleaved rounds, it is the
 * median of the per-round ratios: each round's pair shared the machine's state, so drift between
 * rounds (another process, thermal, page cache) cancels out instead of widening the verdict.
 */
export function finishSuite(suite, rows, notes = []) {
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
    `±${(r.spread * 100).toFixed(1)}%`,
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
    machine: {
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      node: process.version,
      memGiB: Math.round(os.totalmem() / 2 ** 30),
    },
    rows,
    notes,
  };
  saveResult(result);
  return result;
}

/** Writes a suite's result (again, after the runner added what it measured around the suite). */
export function saveResult(result) {
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, `${result.suite}.json`), JSON.stringify(result, null, 2));
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

/** The markdown table for the README's Performance section. */
export function markdownTable(results) {
  const out = ['| suite | variant | median | vs | ratio | target | ok |', '|---|---|---|---|---|---|---|'];
  for (const r of results) {
    for (const row of r.rows) {
      out.push(
        `| ${r.suite} | ${row.name} | ${fmt(row.median)} ${row.unit} ±${(row.spread * 100).toFixed(0)}% | ${row.baseline ?? ''} | ${
          row.ratio === undefined ? '' : row.ratio.toFixed(3) + '×'
        } | ${row.targetText ?? (row.target === undefined ? '' : (row.higherIsBetter === false ? '≤ ' : '≥ ') + row.target + '×')} | ${
          row.pass === undefined ? '' : row.pass ? 'yes' : '**missed**'
        } |`,
      );
    }
  }
  return out.join('\n');
}
