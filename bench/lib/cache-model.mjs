// The cache and branch model the callgrind probes share. This VM exposes no hardware counters
// (`perf stat`: "not supported"), so callgrind's simulation stands in: no prefetchers, two cache
// levels. The last level is set to a 1 MiB, 8-way per-core L2, as on the hosts seen here, where
// valgrind's own detection reported a 256 MiB direct-mapped cache. Good for comparing variants,
// not for absolute times.
export const CACHE_MODEL = ['--cache-sim=yes', '--branch-sim=yes', '--LL=1048576,8,64'];

/** Per-request measures by column name, from a dump's events. */
export const MEASURES = {
  instr: (e) => e.Ir,
  'L1i misses': (e) => e.I1mr,
  'L1d misses': (e) => e.D1mr + e.D1mw,
  'L2 misses': (e) => e.ILmr + e.DLmr + e.DLmw,
  mispredicted: (e) => e.Bcm + e.Bim,
};

/**
 * callgrind_annotate's old rough cycle estimate: an L1 miss ~10 cycles, a last-level miss ~100, a
 * mispredicted branch ~10. Real cores overlap much of it; read it as a ranking.
 */
export function estimatedCycles(e) {
  return e.Ir + 10 * (e.I1mr + e.D1mr + e.D1mw + e.Bcm + e.Bim) + 100 * (e.ILmr + e.DLmr + e.DLmw);
}
