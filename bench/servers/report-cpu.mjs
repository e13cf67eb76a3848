// Answers the runner's 'cpu' message with this process's CPU time (all threads, µs), so the
// runner can report server CPU per request: unlike req/s, it does not depend on whether the load
// generator or the server was the bottleneck of a run. User and system time come apart, to tell
// whether a cost the instruction counts miss is the kernel's or user space's. A server that writes
// batches (a store's group commit, the hand-batched floor) registers its counts under WRITER_STATS,
// and they come along: rows per batch is what a commit's fixed cost is shared by.
const WRITER_STATS = Symbol.for('audit-events.bench.writerStats');

/** Registers `stats()` → { batches, events } (counts so far) to be sent with each CPU reading. */
export function reportWriterStats(stats) {
  globalThis[WRITER_STATS] = stats;
}

process.on('message', (message) => {
  if (message !== 'cpu') return;
  const { user, system } = process.cpuUsage();
  const writer = globalThis[WRITER_STATS]?.();
  process.send(writer ? { user, system, batches: writer.batches, events: writer.events } : { user, system });
});
