// Answers the runner's 'cpu' message with this process's CPU time (all threads, µs), so the
// runner can report server CPU per request: unlike req/s, it does not depend on whether the load
// generator or the server was the bottleneck of a run. User and system time come apart too: the
// kernel's share (sockets, page faults) is where a cost that instruction counts miss can hide.
process.on('message', (message) => {
  if (message !== 'cpu') return;
  const { user, system } = process.cpuUsage();
  process.send({ cpu: user + system, user, system });
});
