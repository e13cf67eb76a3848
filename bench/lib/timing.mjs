import { setImmediate as tick } from 'node:timers/promises';

/** Runs fn(i) n times in chunks, yielding to the event loop between chunks as a server would. */
export async function chunked(n, fn, chunk = 1000) {
  for (let i = 0; i < n;) {
    const end = Math.min(n, i + chunk);
    for (; i < end; i++) fn(i);
    await tick();
  }
}

/** Operations per second of an async job that performs `n` operations. */
export async function opsPerSecond(n, job) {
  const start = process.hrtime.bigint();
  await job();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return n / seconds;
}

/**
 * Interleaves variants round by round and returns samples per variant. The first `warmup` rounds
 * are run and dropped: before V8 has compiled the hot functions with its optimising tier, a round
 * measures the compiler (on Node 24 the first in-process rounds ran at half the later rate).
 */
export async function interleave(variants, runs, { warmup = 1 } = {}) {
  const samples = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let round = 0; round < warmup + runs; round++) {
    for (const [name, run] of Object.entries(variants)) {
      const sample = await run();
      if (round >= warmup) samples[name].push(sample);
    }
  }
  return samples;
}
