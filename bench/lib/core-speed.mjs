// Whether the cores run at the same speed. Host steal time (steal.mjs) misses one kind of
// contention on a shared VM: a vCPU whose hyperthread sibling serves another guest runs slower
// while being "on CPU", so nothing is stolen. Seen here (2026-12-06): steal 0.0 %, this probe at
// 7.1-7.5 ms on an uncontended core and 8.1-13.7 ms on a contended one, first core 0 and later
// core 1. The HTTP suites pin the load generator and the servers to different cores, so such a
// day skews every ratio. Both cores can slow alike too (seen 2026-12-06, an Intel Xeon host: 7.9-8.9
// ms uncontended, 19-25 ms on both cores for minutes, and bare Express's CPU per request doubled),
// which comparing the cores cannot see: so each reading is also set against the fastest core time
// this run has seen, or the kept runs on the same host CPU where faster (host-reference.mjs), the
// host's uncontended speed as far as the bench knows it. A fixed time in ms
// would not do: an AMD EPYC host runs this probe in ~7.4 ms and the same servers ~1.4x slower
// than an Intel Xeon one with no contention at all (docs/performance-history.md, sixteenth pass).
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { median } from './stats.mjs';

const PROBE = fileURLToPath(new URL('../probes/core-speed.mjs', import.meta.url));

/** Above this ratio of the slowest core's time to the fastest's, a suite's figures are noise-bound. */
export const UNEVEN_CORES_RATIO = 1.15;
/** Above this ratio of the slowest core's time to the run's fastest core time, the same. */
export const SLOWED_CORES_RATIO = 1.15;

/**
 * Each core's median time for the probe's fixed work, in ms, measured one core at a time with the
 * others idle; null where cores cannot be pinned (no taskset, one core). All the machine's cores,
 * not this process's: the HTTP suites pin the load generator (this process) to one of them.
 */
export function timeCores(cores = os.cpus().length) {
  if (cores < 2 || spawnSync('taskset', ['-p', String(process.pid)]).status !== 0) return null;
  const times = [];
  for (let core = 0; core < cores; core++) {
    const probe = spawnSync('taskset', ['-c', String(core), process.execPath, PROBE], { encoding: 'utf8' });
    if (probe.status !== 0) return null;
    times.push(JSON.parse(probe.stdout).ms);
  }
  return times;
}

/**
 * How uneven the cores were, from timings taken over a suite (each a list of ms per core, or
 * null): per reading the slowest core's time over the fastest's, and their median and maximum.
 * The median decides, as the suites' ratios are medians of rounds: contention that comes and goes
 * within seconds (as it does here) disturbs some rounds, which the medians already pass over.
 */
export function coreSpeedRatio(readings) {
  const ratios = readings
    .filter((times) => Array.isArray(times) && times.length > 1 && times.every((t) => t > 0))
    .map((times) => Math.max(...times) / Math.min(...times));
  return ratioSummary(ratios);
}

/**
 * How slowed the cores were against `reference` (the fastest single-core time of the run, in ms):
 * per reading the slowest core's time over it, and their median and maximum; null without readings
 * or a reference. Always at least coreSpeedRatio's figure, since no core beats the reference.
 */
export function coreSlowdown(readings, reference) {
  if (!(reference > 0)) return null;
  const ratios = readings
    .filter((times) => Array.isArray(times) && times.length > 0 && times.every((t) => t > 0))
    .map((times) => Math.max(...times) / reference);
  return ratioSummary(ratios);
}

/** The fastest single-core time among `readings` (lists of ms per core), or null. */
export function fastestCoreTime(readings) {
  let fastest = Infinity;
  for (const times of readings) if (Array.isArray(times)) for (const t of times) if (t > 0 && t < fastest) fastest = t;
  return Number.isFinite(fastest) ? fastest : null;
}

/** Median, maximum and count of per-reading ratios; null when there are none. */
function ratioSummary(ratios) {
  if (ratios.length === 0) return null;
  return { median: median(ratios), max: Math.max(...ratios), readings: ratios.length };
}

// The fastest single-core time of this run so far (the reference of coreSlowdown), or null.
let runFastest = null;

/** The fastest single-core time this run has seen so far, in ms, or null. */
export function runFastestCoreTime() {
  return runFastest;
}

// The timings of the suite running now: run.mjs takes one before and after each suite, and the
// HTTP suites one before each round (sampleCores), so a suite of many minutes is seen throughout.
let current = [];

/** Times the cores now and keeps the reading for the suite running (see takeCoreReadings). */
export function sampleCores() {
  const times = timeCores();
  if (times !== null) {
    current.push(times);
    const fastest = fastestCoreTime([times]);
    if (fastest !== null && (runFastest === null || fastest < runFastest)) runFastest = fastest;
  }
  return times;
}

/** The readings kept since the last call, oldest first; starts the next suite's list. */
export function takeCoreReadings() {
  const readings = current;
  current = [];
  return readings;
}
