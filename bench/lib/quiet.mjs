// Whether a suite ran on a quiet machine: host steal time (steal.mjs), the cores' speed on a
// fixed workload (core-speed.mjs) and, for the HTTP suites, the share of their measurements taken
// on quiet cores (quiet-gate.mjs), judged once here so the notes, the run's JSON and the table's
// heading agree. A noise-bound suite's figures are kept, as any run's, but say so wherever shown.
import { CONTENDED_STEAL_PERCENT } from './steal.mjs';
import { UNEVEN_CORES_RATIO, coreSpeedRatio } from './core-speed.mjs';
import { QUIET_SLACK } from './quiet-gate.mjs';
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
  const windows = result.machine.quietWindows;
  const gated = windows !== undefined && windows.measurements > 0 && windows.readings > 0;
  if (gated) {
    // Its measurements were each judged (quiet-gate.mjs): their share decides, not the readings
    // taken while it waited for quiet ones.
    const share = windows.quiet / windows.measurements;
    const few = share < MIN_QUIET_SHARE;
    noiseBound ||= few;
    if (few)
      notes.push(
        `only ${windows.quiet} of ${windows.measurements} measurements on quiet cores, fewer than ${MIN_QUIET_SHARE * 100} %: these figures are noise-bound`,
      );
  }
  const cores = coreSpeedRatio(coreReadings);
  if (cores !== null) {
    result.machine.coreSpeed = {
      median: Number(cores.median.toFixed(3)),
      max: Number(cores.max.toFixed(3)),
      readings: coreReadings,
    };
    const uneven = !gated && cores.median > UNEVEN_CORES_RATIO;
    noiseBound ||= uneven;
    notes.push(
      `cores' speed on a fixed workload, slowest over fastest: ${cores.median.toFixed(2)}× (median of ${cores.readings} readings, at worst ${cores.max.toFixed(2)}×)${uneven ? ' (uneven cores, another guest on one of them: these figures are noise-bound)' : ''}`,
    );
  }
  if (steal !== null || cores !== null) result.machine.noiseBound = noiseBound;
  return notes;
}

/** A suite whose measurements were gated is noise-bound when fewer than this share of them were quiet. */
export const MIN_QUIET_SHARE = 0.8;

/** The note on a gated suite's measurements (compareVariants' `quiet`). */
export function quietWindowsNote(quiet) {
  if (quiet.readings === 0 || quiet.measurements === 0) return 'measurements not gated on quiet cores';
  return `${quiet.quiet} of ${quiet.measurements} measurements started and ended on quiet cores (quiet-gate.mjs: no core above ${QUIET_SLACK.cpu}× the fastest time seen on cache-resident work and ${QUIET_SLACK.memory}× on memory-bound work, nor the cores further apart); ${quiet.retaken} taken again, ${Math.round(quiet.waitedMs / 1000)} s spent waiting for quiet cores`;
}

/** The table heading's words on the machine, from the latest result of each suite and runtime. */
export function machineSummary(latest) {
  const steals = latest.map((r) => r.machine.stealPercent).filter((v) => typeof v === 'number');
  const ratios = latest.map((r) => r.machine.coreSpeed?.median).filter((v) => typeof v === 'number');
  // Results saved before the cores were timed have no noiseBound: their steal still counts.
  const noisy = latest
    .filter((r) => r.machine.noiseBound === true || r.machine.stealPercent > CONTENDED_STEAL_PERCENT)
    .map((r) => `${r.suite} (${runtimeTag(r.runtime ?? r.machine.node).replace('node', 'Node ')})`);
  let text = '';
  if (steals.length)
    text += ` Host steal time during the suites: ${Math.min(...steals)}–${Math.max(...steals)}% of CPU time.`;
  if (ratios.length)
    text += ` Cores' speed on a fixed workload, slowest over fastest (median per suite): ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}×.`;
  if (noisy.length) text += ` **Noise-bound** (steal above 5 % or uneven cores): ${noisy.join(', ')}.`;
  return text;
}
