// Answers the runner's 'cpu' message with this process's CPU time (all threads, µs), so the
// runner can report server CPU per request: unlike req/s, it does not depend on whether the load
// generator or the server was the bottleneck of a run.
process.on('message', (message) => {
  if (message !== 'cpu') return;
  const usage = process.cpuUsage();
  process.send({ cpu: usage.user + usage.system });
});
