// Whether a suite ran on a quiet machine: host steal time (steal.mjs), the cores' speed on a
// fixed workload (core-speed.mjs) and whether an HTTP suite's rounds agree, judged once here so
// the notes, the run's JSON and the table's heading agree. A noise-bound suite's figures are kept,
// as any run's, but say so wherever shown.
import { CONTENDED_STEAL_PERCENT } from './steal.mjs';
import {
  SLOWED_CORES_RATIO,
  UNEVEN_CORES_RATIO,
  coreSlowdown,
  coreSpeedRatio,
  fastestCoreTime,
} from './core-speed.mjs';
import { hostName, hostReference } from './host-reference.mjs';
import { median, quartileSpread } from './stats.mjs';
import { runtimeTag } from './report.mjs';

/**
 * Above this disagreement of an HTTP suite's rounds (roundsSpread), its figures are noise-bound.
 * In the kept runs of the quiet Xeon host (twelfth and thirteenth passes, both runtimes) every such
 * suite read 1.8-5.1 %; in runs the probe found contended, 14-45 %; on AMD EPYC hosts anything
 * from 1.8 to 48 %, 9.7-48 % on one whose probe read steady throughout (eighteenth pass): what
 * slows servers there is not what slows a probe that fits in a core's caches. Twice the worst
 * quiet figure; the ratios of a suite above it moved by up to 9 % between two runs of one host.
 */
export const ROUNDS_SPREAD_LIMIT = 0.1;

/**
 * Above this disagreement of an HTTP suite's per-round ratios (ratiosSpread), its figures are
 * noise-bound. A ratio is the median of nine per-round ratios, whose standard error is about 0.31×
 * their interquartile range: at 10 % that is 3 %, the whole margin target 1 is judged by, so the
 * rounds can no longer tell a met target from a missed one. The quiet Xeon runs read 1.6-5.9 %;
 * runs whose rates agreed within 10 % but whose ratios did not read up to 15.7 % (nineteenth pass).
 */
export const RATIOS_SPREAD_LIMIT = 0.1;

/**
 * Adds to `result.machine` what the suite's machine was like (`stealPercent`, `coreSpeed`,
 * `noiseBound`) and returns the notes that say it. `steal`: percent or null; `coreReadings`: the
 * core timings taken over the suite (ms per core, oldest first); `reference`: the host's fastest
 * single-core time known so far, against which a slowdown of both cores shows: a number of ms (the
 * run's) or hostReference's `{ ms, label, from }`; the suite's own fastest reading by default.
 */
export function judgeMachine(result, steal, coreReadings, reference = fastestCoreTime(coreReadings)) {
  const notes = [];
  if (steal !== null) {
    result.machine.stealPercent = Number(steal.toFixed(1));
    const contended = steal > CONTENDED_STEAL_PERCENT;
    notes.push(
      `host steal time during this suite: ${steal.toFixed(1)}% of CPU time${contended ? ' (a contended host: these figures are noise-bound)' : ''}`,
    );
  }
  const cores = coreSpeedRatio(coreReadings);
  if (cores !== null) {
    result.machine.coreSpeed = {
      median: Number(cores.median.toFixed(3)),
      max: Number(cores.max.toFixed(3)),
      readings: coreReadings,
    };
    const uneven = cores.median > UNEVEN_CORES_RATIO;
    notes.push(
      `cores' speed on a fixed workload, slowest over fastest: ${cores.median.toFixed(2)}× (median of ${cores.readings} readings, at worst ${cores.max.toFixed(2)}×)${uneven ? ' (uneven cores, another guest on one of them: these figures are noise-bound)' : ''}`,
    );
    const slowedNote = judgeSlowdown(
      result,
      typeof reference === 'number' ? hostReference(reference, null) : reference,
    );
    if (slowedNote !== null) notes.push(slowedNote);
  }
  const rounds = roundsSpread(result);
  if (rounds !== null) {
    result.machine.roundsSpread = Number(rounds.toFixed(3));
    notes.push(
      `rounds' interquartile range over their median (median over the req/s variants): ${(rounds * 100).toFixed(1)}%${rounds > ROUNDS_SPREAD_LIMIT ? ` (above ${ROUNDS_SPREAD_LIMIT * 100} %: the rounds disagree, these figures are noise-bound)` : ''}`,
    );
  }
  const ratios = ratiosSpread(result);
  if (ratios !== null) {
    result.machine.ratiosSpread = Number(ratios.toFixed(3));
    notes.push(
      `per-round ratios' interquartile range over their median (median over the req/s ratios): ${(ratios * 100).toFixed(1)}%${ratios > RATIOS_SPREAD_LIMIT ? ` (above ${RATIOS_SPREAD_LIMIT * 100} %: the rounds disagree on the ratios, these figures are noise-bound)` : ''}`,
    );
  }
  if (steal !== null || cores !== null || rounds !== null || ratios !== null)
    result.machine.noiseBound = isNoiseBound(result);
  if (countsOnly(result) && notes.some((note) => note.includes('noise-bound')))
    notes.push('instructions are counted, not timed: what slowed the machine does not change these figures');
  return notes;
}

/**
 * Judges again, against the whole run's fastest core time, the suites judged while it ran (each
 * against the fastest time seen until then, so an early suite on a host slowed from the start may
 * have passed), or against `kept` (keptReference's: this host CPU's fastest in the kept runs) where
 * that is faster. Returns a note for each suite whose verdict this changes.
 */
export function rejudgeRun(results, kept = null) {
  const reference = hostReference(fastestCoreTime(results.flatMap((r) => r.machine.coreSpeed?.readings ?? [])), kept);
  const notes = [];
  for (const result of results) {
    const speed = result.machine.coreSpeed;
    if (!speed?.readings || reference === null) continue;
    const was = result.machine.noiseBound === true;
    judgeSlowdown(result, reference);
    result.machine.noiseBound = isNoiseBound(result);
    if (result.machine.noiseBound === was) continue;
    const against = reference.from ? reference.label : "the whole run's fastest core time";
    const note = `against ${against} (${reference.ms} ms) the slowest core read ${speed.slowdown.median.toFixed(2)}× (median): ${result.machine.noiseBound ? 'noise-bound' : 'quiet'} after all`;
    result.notes.push(note);
    notes.push(`${suiteLabel(result)}: ${note}`);
  }
  return notes;
}

/**
 * Records in `coreSpeed` how slowed the slowest core was against `reference` (hostReference's) and,
 * when that came from a kept run, that run's date; its note, or null.
 */
function judgeSlowdown(result, reference) {
  const speed = result.machine.coreSpeed;
  const slowed = reference === null ? null : coreSlowdown(speed.readings, reference.ms);
  if (slowed === null) return null;
  speed.reference = reference.ms;
  if (reference.from) speed.referenceFrom = reference.from;
  else delete speed.referenceFrom;
  speed.slowdown = {
    median: Number(slowed.median.toFixed(3)),
    max: Number(slowed.max.toFixed(3)),
  };
  return `slowest core over ${reference.label} (${reference.ms} ms): ${slowed.median.toFixed(2)}× (median, at worst ${slowed.max.toFixed(2)}×)${slowed.median > SLOWED_CORES_RATIO ? ' (both cores slowed, other guests on the host: these figures are noise-bound)' : ''}`;
}

/**
 * How much an HTTP suite's interleaved rounds disagreed: per variant measured in req/s over five
 * rounds or more, the interquartile range of its rounds over their median; the median of that over
 * the variants. Null for a suite without such rows (in-process suites, a --quick run's two rounds).
 * Worked out from the rows, so results saved before it was recorded are judged by it too.
 */
export function roundsSpread(result) {
  // A ratio row repeats its variant's rates: counted once, as the variant.
  return medianRoundsSpread(result, (row) => (row.name.includes(' vs ') ? undefined : row.values));
}

/**
 * How much an HTTP suite's interleaved rounds disagreed on its ratios: per row measured in req/s
 * against a baseline of the same rounds, over five rounds or more, the interquartile range of its
 * per-round ratios over their median; the median of that over the rows. A round that slows every
 * variant alike cancels in a ratio; a host that slows some servers and not others does not, and
 * then the rates can agree while the ratios swing (nineteenth pass: a Node 24 round at 1.40× and
 * another at 0.66× of the same floor). Null for a suite without such rows.
 */
export function ratiosSpread(result) {
  return medianRoundsSpread(result, (row) => row.ratios);
}

/**
 * Over a result's req/s rows, the median of quartileSpread(`roundsOf(row)`) for the rows whose
 * rounds number five or more (roundsOf: the row's per-round figures, or undefined to pass it
 * over); null when there are none.
 */
function medianRoundsSpread(result, roundsOf) {
  const spreads = [];
  for (const row of result.rows ?? []) {
    const rounds = row.unit === 'req/s' ? roundsOf(row) : undefined;
    if (Array.isArray(rounds) && rounds.length >= 5) spreads.push(quartileSpread(rounds));
  }
  return spreads.length > 0 ? median(spreads) : null;
}

/**
 * Steal above 5 %, uneven or slowed cores, or rounds that disagree: the figures say more about the
 * host than the code. Never for a suite of instruction counts (callgrind's), which no other guest
 * changes.
 */
function isNoiseBound(result) {
  const machine = result.machine ?? {};
  if (countsOnly(result)) return false;
  return (
    machine.stealPercent > CONTENDED_STEAL_PERCENT ||
    machine.coreSpeed?.median > UNEVEN_CORES_RATIO ||
    machine.coreSpeed?.slowdown?.median > SLOWED_CORES_RATIO ||
    roundsSpread(result) > ROUNDS_SPREAD_LIMIT ||
    ratiosSpread(result) > RATIOS_SPREAD_LIMIT
  );
}

/**
 * Whether a result counts as measured on a quiet machine: not marked noise-bound when judged, and
 * not noise-bound by the rules as they are now (isNoiseBound), so a result saved before the cores
 * were timed is judged by its steal and its rounds' disagreement. A suite of instruction counts is
 * always quiet: no other guest changes a count.
 */
export function isQuiet(result) {
  return countsOnly(result) || (result.machine?.noiseBound !== true && !isNoiseBound(result));
}

/**
 * The suites of one run with no quiet result yet, in the order they first ran: what --retry-noisy
 * runs again. A suite that failed or was skipped has no result, so it is not retried.
 */
export function noisySuites(results) {
  const quiet = new Set(results.filter(isQuiet).map((r) => r.suite));
  return [...new Set(results.map((r) => r.suite))].filter((suite) => !quiet.has(suite));
}

/** Every row an instruction count: no noise on the host changes such a suite's figures. */
export function countsOnly(result) {
  return Array.isArray(result.rows) && result.rows.length > 0 && result.rows.every((row) => row.unit === 'instr');
}

/** The table heading's words on the machine, from the latest result of each suite and runtime. */
export function machineSummary(latest) {
  // The machine's figures describe the timed suites: no noise changes an instruction count.
  const timed = latest.filter((r) => !countsOnly(r));
  const steals = timed.map((r) => r.machine.stealPercent).filter((v) => typeof v === 'number');
  const ratios = timed.map((r) => r.machine.coreSpeed?.median).filter((v) => typeof v === 'number');
  const noisy = timed.filter((r) => !isQuiet(r)).map(suiteLabel);
  let text = hostsText(latest);
  if (steals.length)
    text += ` Host steal time during the suites: ${Math.min(...steals)}–${Math.max(...steals)}% of CPU time.`;
  if (ratios.length)
    text += ` Cores' speed on a fixed workload, slowest over fastest (median per suite): ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}×.`;
  const slowdowns = timed.map((r) => r.machine.coreSpeed?.slowdown?.median).filter((v) => typeof v === 'number');
  if (slowdowns.length)
    text += ` Slowest core over its run's fastest core time (median per suite): ${Math.min(...slowdowns).toFixed(2)}–${Math.max(...slowdowns).toFixed(2)}×.`;
  if (noisy.length)
    text += ` **Noise-bound** (steal above 5 %, uneven or slowed cores, or rounds that disagree): ${noisy.join(', ')}.`;
  return text;
}

/**
 * The host CPUs the results come from. A 2-core VM of this kind lands on different hosts from day
 * to day (an Intel Xeon on 2026-12-05 evening, AMD EPYC otherwise), and the same servers cost
 * ~1.4× more CPU per request on the EPYC hosts on Node 20 and ~2× on Node 24, with no steal and
 * even cores: a table mixing hosts says so, since only ratios carry across them.
 */
function hostsText(latest) {
  const byCpu = new Map();
  for (const r of latest) {
    const cpu = hostName(r.machine);
    if (!byCpu.has(cpu)) byCpu.set(cpu, []);
    byCpu.get(cpu).push(suiteLabel(r));
  }
  if (byCpu.size === 0) return '';
  if (byCpu.size === 1) return ` Host CPU: ${[...byCpu.keys()][0]}.`;
  const parts = [...byCpu].map(([cpu, suites]) => `${cpu}: ${suites.join(', ')}`);
  return ` **Results from different host CPUs** (compare ratios, not rates or CPU times, across them): ${parts.join('; ')}.`;
}

/** A result named in the heading: `express-event (Node 20)`. */
function suiteLabel(result) {
  return `${result.suite} (${runtimeTag(result.runtime ?? result.machine.node).replace('node', 'Node ')})`;
}
