// HTTP measurements taken in quiet windows. On this shared VM contention comes and goes within
// seconds to minutes with no steal time (docs/performance.md, fifteenth pass): a core slowed by
// another guest on its hyperthread sibling, or both slowed by the cache and memory bandwidth the
// host shares. A suite of many minutes almost never runs quiet throughout, but most of its
// measurements can. So the cores are timed (probeCores: cache-resident work and memory-bound work)
// after every measurement; one that did not start and end on quiet cores is taken again, on the
// same warm server, after waiting for a quiet reading. Every measurement is kept, one per round
// and variant as before (the ratios stay paired), and says whether it was quiet.
import { setTimeout as sleep } from 'node:timers/promises';
import { UNEVEN_CORES_RATIO, keepCoreReading, probeCores } from './core-speed.mjs';

/**
 * A reading is quiet when, on each workload, no core is slower than its slack times the fastest
 * time seen in this process (the uncontended speed, once any quiet reading has been seen) and the
 * cores are within the same slack of each other. Quiet cores here read the cache-resident work
 * within ±5 % and the memory-bound work within ±12 % (9.0-11.6 ms); contended ones 1.3-1.8× and
 * 1.5-1.9× the fastest.
 */
export const QUIET_SLACK = { cpu: UNEVEN_CORES_RATIO, memory: 1.25 };
/** How often a measurement is taken again when the cores were not quiet around it. */
export const MAX_RETAKES = 2;
/** A suite waits at most this long, in all, for quiet readings; past it, it measures as it finds the machine. */
export const SUITE_WAIT_BUDGET_MS = 10 * 60_000;

/** The fastest time per workload seen by this process: every suite of a run judges by the same. */
const fastest = { cpu: Infinity, memory: Infinity };

/** Forgets the fastest times (tests). */
export function resetQuietBaseline() {
  fastest.cpu = Infinity;
  fastest.memory = Infinity;
}

/**
 * Whether one reading ({ cpu: ms[], memory: ms[] }) is quiet, judged against `best` (the fastest
 * times per workload, this reading's included): { quiet, why } where `why` names what was not.
 */
export function judgeReading(reading, best = fastest, slack = QUIET_SLACK) {
  const why = [];
  for (const workload of ['cpu', 'memory']) {
    const times = reading[workload];
    if (!Array.isArray(times) || times.length === 0) continue;
    const slowest = Math.max(...times);
    const quickest = Math.min(...times);
    if (slowest > quickest * slack[workload])
      why.push(`${workload} cores uneven (${(slowest / quickest).toFixed(2)}×)`);
    else if (slowest > best[workload] * slack[workload])
      why.push(`${workload} ${(slowest / best[workload]).toFixed(2)}× the fastest seen`);
  }
  return { quiet: why.length === 0, why };
}

/**
 * The gate of one suite. `probe` returns a reading or null (cores cannot be timed: every reading
 * then counts as quiet, and nothing waits). `pollMs`: time between readings while waiting.
 */
export function createQuietGate({
  probe = probeCores,
  pollMs = 3000,
  budgetMs = SUITE_WAIT_BUDGET_MS,
  wait = sleep,
} = {}) {
  const tally = { measurements: 0, quiet: 0, retaken: 0, waitedMs: 0, readings: 0, notQuiet: [] };
  let last = null;

  function read() {
    const reading = probe();
    tally.readings++;
    if (reading === null) return { quiet: true, why: [], reading: null };
    keepCoreReading(reading.cpu);
    for (const workload of ['cpu', 'memory'])
      if (Array.isArray(reading[workload]) && reading[workload].length > 0)
        fastest[workload] = Math.min(fastest[workload], ...reading[workload]);
    return { ...judgeReading(reading), reading };
  }

  /** A quiet reading, waiting for one within what is left of the suite's budget; else the last reading. */
  async function quietReading() {
    let verdict = last ?? read();
    while (!verdict.quiet && tally.waitedMs + pollMs <= budgetMs) {
      await wait(pollMs);
      tally.waitedMs += pollMs;
      verdict = read();
    }
    return verdict;
  }

  return {
    /**
     * Runs `measure()` (one measurement) between two readings, again up to MAX_RETAKES times while
     * either reading was not quiet; returns its last result and whether it was quiet.
     */
    async measure(measure) {
      tally.measurements++;
      for (let attempt = 0; ; attempt++) {
        const before = await quietReading();
        const result = await measure();
        const after = read();
        last = after;
        const quiet = before.quiet && after.quiet;
        if (quiet || attempt >= MAX_RETAKES || tally.waitedMs + pollMs > budgetMs) {
          if (quiet) tally.quiet++;
          else tally.notQuiet.push([...before.why, ...after.why].join('; '));
          return { result, quiet };
        }
        tally.retaken++;
      }
    },
    /** What the suite's measurements met: counts, and the reasons of those that were not quiet. */
    summary() {
      return { ...tally, notQuiet: [...tally.notQuiet] };
    },
  };
}
