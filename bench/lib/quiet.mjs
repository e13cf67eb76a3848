// Whether a suite ran on a quiet machine: host steal time (steal.mjs) and the cores' speed on a
// fixed workload (core-speed.mjs), judged once here so the notes, the run's JSON and the table's
// heading agree. A noise-bound suite's figures are kept, as any run's, but say so wherever shown.
import { CONTENDED_STEAL_PERCENT } from './steal.mjs';
import { UNEVEN_CORES_RATIO, coreSpeedRatio } from './core-speed.mjs';
import { runtimeTag } from './report.mjs';

/**
 * Adds to `result.machine` what the suite's machine was like (`stealPercent`, `coreSpeed`,
 * `noiseBound`) and returns the notes that say it. `steal`: percent or null; `coreReadings`: the
 * core timings taken over the suite (ms per core, oldest first).
 */
export function judgeMachine(result, steal, coreReadings) {
  const notes = [];
  let noiseBound = false;
  if (steal !== null) {
    result.machine.stealPercent = Number(steal.toFixed(1));
    const contended = steal > CONTENDED_STEAL_PERCENT;
    noiseBound ||= contended;
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
    noiseBound ||= uneven;
    notes.push(
      `cores' speed on a fixed workload, slowest over fastest: ${cores.median.toFixed(2)}× (median of ${cores.readings} readings, at worst ${cores.max.toFixed(2)}×)${uneven ? ' (uneven cores, another guest on one of them: these figures are noise-bound)' : ''}`,
    );
  }
  if (steal !== null || cores !== null) result.machine.noiseBound = noiseBound;
  return notes;
}

/** The table heading's words on the machine, from the latest result of each suite and runtime. */
export function machineSummary(latest) {
  const steals = latest.map((r) => r.machine.stealPercent).filter((v) => typeof v === 'number');
  const ratios = latest.map((r) => r.machine.coreSpeed?.median).filter((v) => typeof v === 'number');
  // Results saved before the cores were timed have no noiseBound: their steal still counts.
  const noisy = latest
    .filter((r) => r.machine.noiseBound === true || r.machine.stealPercent > CONTENDED_STEAL_PERCENT)
    .map(suiteLabel);
  let text = hostsText(latest);
  if (steals.length)
    text += ` Host steal time during the suites: ${Math.min(...steals)}–${Math.max(...steals)}% of CPU time.`;
  if (ratios.length)
    text += ` Cores' speed on a fixed workload, slowest over fastest (median per suite): ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}×.`;
  if (noisy.length) text += ` **Noise-bound** (steal above 5 % or uneven cores): ${noisy.join(', ')}.`;
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
    const cpu = r.machine.cpu ?? 'an unnamed CPU';
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
