// A fixed piece of CPU work, timed: `taskset -c N node bench/probes/core-speed.mjs` prints the
// median CPU milliseconds of its repetitions as JSON. Run on each core in turn (lib/core-speed.mjs),
// it shows a core that runs slower than its neighbour with no steal time at all: on a shared host
// a vCPU whose hyperthread sibling is busy with another guest runs at up to half speed, and the
// hypervisor counts none of it as stolen.
import { median } from '../lib/stats.mjs';

const REPETITIONS = 15;

/** Object churn and JSON, as a request's JavaScript does: ~5 ms on an idle 2.1 GHz core. */
function work() {
  const record = { id: 0, name: 'core-speed', tags: ['a', 'b', 'c'], nested: { ok: true } };
  let length = 0;
  for (let i = 0; i < 20_000; i++) {
    record.id = i;
    length += JSON.stringify(record).length;
  }
  return length;
}

let sink = 0;
for (let i = 0; i < 3; i++) sink += work(); // V8 optimises work() before it is timed
const times = [];
for (let i = 0; i < REPETITIONS; i++) {
  const before = process.cpuUsage();
  sink += work();
  const used = process.cpuUsage(before);
  times.push((used.user + used.system) / 1000);
}
process.stdout.write(JSON.stringify({ ms: median(times), sink: sink > 0 }));
