// Answers the runner's 'cpu' message with this process's CPU time (all threads, µs), so the
// runner can report server CPU per request: unlike req/s, it does not depend on whether the load
// generator or the server was the bottleneck of a run. User and system time come apart, to tell
// whether a cost the instruction counts miss is the kernel's or user space's.
process.on('message', (message) => {
  if (message !== 'cpu') return;
  const { user, system } = process.cpuUsage();
  process.send({ user, system });
});
