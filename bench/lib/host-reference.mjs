// The host's uncontended core time, as far as this run and the kept runs know it. A run's own
// fastest reading is no reference when the host was slowed throughout: a short --suite run on a
// busy host would judge itself quiet. So the fastest reading any kept run took on the same host
// CPU, probed by the same Node.js major (the probe's speed differs by major: 7.9 ms on Node 20 and
// 6.05 ms on Node 24 on one Xeon host), counts too. The same CPU means the same `cpuId` (family,
// model, stepping, clock): a VM names AMD EPYC generations alike, and they run the probe at
// different speeds, so results saved before `cpuId` was recorded give no reference.
import { fastestCoreTime } from './core-speed.mjs';
import { runtimeTag } from './report.mjs';

/**
 * The host CPU a result ran on, as its tables name it: the model name, with the `cpuId` where one
 * was recorded, since AMD EPYC generations share a model name.
 */
export function hostName(machine) {
  const cpu = machine?.cpu ?? 'an unnamed CPU';
  return machine?.cpuId ? `${cpu} (${machine.cpuId})` : cpu;
}

/**
 * Among `results` (saved suites' results), the fastest single-core time taken on the host CPU
 * `cpuId` by Node.js major `node`'s: `{ ms, date }` (the date of the result that took it), or null.
 */
export function keptReference(results, { cpuId, node }) {
  if (!cpuId) return null;
  let best = null;
  for (const result of results) {
    const machine = result?.machine;
    if (machine?.cpuId !== cpuId || runtimeTag(machine.node) !== runtimeTag(node)) continue;
    const ms = fastestCoreTime(machine.coreSpeed?.readings ?? []);
    if (ms !== null && (best === null || ms < best.ms)) best = { ms, date: String(result.date) };
  }
  return best;
}

/**
 * The reference a suite's core readings are set against: the faster of the run's fastest core time
 * (`runFastest`, ms or null) and the kept one (`kept`, from keptReference), with the words naming
 * it in the notes; null when there is neither.
 */
export function hostReference(runFastest, kept) {
  if (kept && !(runFastest > 0 && runFastest <= kept.ms))
    return {
      ms: kept.ms,
      from: kept.date,
      label: `the fastest core time kept for this host CPU (${kept.date.slice(0, 16).replace('T', ' ')} UTC)`,
    };
  if (runFastest > 0) return { ms: runFastest, label: "the run's fastest core time" };
  return null;
}
