// Two fixed pieces of work, timed: `taskset -c N node bench/probes/core-speed.mjs` prints the
// median CPU milliseconds of each as JSON. Run on each core in turn (lib/core-speed.mjs), `ms`
// shows a core that runs slower than its neighbour with no steal time at all: on a shared host a
// vCPU whose hyperthread sibling is busy with another guest runs at up to half speed, and the
// hypervisor counts none of it as stolen. `memoryMs` reads at random from a buffer larger than
// the last-level cache, so it also slows when another guest takes the cache or memory bandwidth
// the host's cores share, which a cache-resident workload does not see.
import { median } from '../lib/stats.mjs';

const REPETITIONS = 11;
const MEMORY_REPETITIONS = 5;

/** Object churn and JSON, as a request's JavaScript does: ~5-7 ms on an idle 2.1 GHz core. */
function work() {
  const record = { id: 0, name: 'core-speed', tags: ['a', 'b', 'c'], nested: { ok: true } };
  let length = 0;
  for (let i = 0; i < 20_000; i++) {
    record.id = i;
    length += JSON.stringify(record).length;
  }
  return length;
}

// 64 MB: twice the last-level cache an EPYC core shares with its neighbours.
const words = new Int32Array(16 * 1024 * 1024);
for (let i = 0; i < words.length; i += 1024) words[i] = i; // touch every page once, before timing
let seed = 12345;

/** A million random reads over the buffer: ~11 ms on an idle core here. */
function memoryWork() {
  let sum = 0;
  const mask = words.length - 1;
  for (let i = 0; i < 1_000_000; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    sum += words[seed & mask];
  }
  return sum;
}

/** The median CPU ms of `repetitions` runs of `fn`, after three untimed ones (V8 optimises it first). */
function timed(fn, repetitions) {
  for (let i = 0; i < 3; i++) sink += fn();
  const times = [];
  for (let i = 0; i < repetitions; i++) {
    const before = process.cpuUsage();
    sink += fn();
    const used = process.cpuUsage(before);
    times.push((used.user + used.system) / 1000);
  }
  return median(times);
}

let sink = 0;
const ms = timed(work, REPETITIONS);
const memoryMs = timed(memoryWork, MEMORY_REPETITIONS);
process.stdout.write(JSON.stringify({ ms, memoryMs, sink: sink !== 0 }));
