import { expect } from 'chai';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { createQuietGate, judgeReading, resetQuietBaseline, MAX_RETAKES } from '../../bench/lib/quiet-gate.mjs';
import { probeCores, takeCoreReadings } from '../../bench/lib/core-speed.mjs';
import { judgeMachine } from '../../bench/lib/quiet.mjs';

// The HTTP suites take each measurement between two timings of the cores and take it again when
// either was not quiet. Readings below are of 2026-12-06 (ms per core: cache-resident, memory-bound).
const QUIET = { cpu: [7.04, 7.37], memory: [10.2, 10.7] };
const SLOW_CORE = { cpu: [12.13, 7.08], memory: [17.3, 10.9] };
const BOTH_SLOW = { cpu: [9.9, 10.1], memory: [15.8, 16.1] };

/** A gate over a scripted list of readings; `waits` counts the pauses it took. */
function scripted(readings, options = {}) {
  const queue = [...readings];
  const seen = { waits: 0, probes: 0 };
  const gate = createQuietGate({
    probe: () => {
      seen.probes++;
      if (queue.length === 0) throw new Error('more readings taken than scripted');
      return queue.shift();
    },
    pollMs: 1000,
    wait: async () => {
      seen.waits++;
    },
    ...options,
  });
  return { gate, seen, left: () => queue.length };
}

describe('npm run bench: measurements taken on quiet cores', () => {
  beforeEach(() => {
    resetQuietBaseline();
    takeCoreReadings();
  });

  it('judges a reading by how even the cores are and by the fastest times seen', () => {
    const best = { cpu: 7.04, memory: 10.2 };
    expect(judgeReading(QUIET, best)).to.deep.equal({ quiet: true, why: [] });
    const uneven = judgeReading(SLOW_CORE, best);
    expect(uneven.quiet).to.equal(false);
    expect(uneven.why[0]).to.match(/^cpu cores uneven \(1\.71×\)$/);
    expect(uneven.why[1]).to.match(/^memory cores uneven/);
    // Both cores slowed alike: even, yet slower than this machine has been seen to run.
    const shared = judgeReading(BOTH_SLOW, best);
    expect(shared.quiet).to.equal(false);
    expect(shared.why).to.deep.equal(['cpu 1.43× the fastest seen', 'memory 1.58× the fastest seen']);
    // The memory-bound work's own jitter on quiet cores (9.0-11.6 ms) is allowed for; the cached work's is smaller.
    expect(judgeReading({ cpu: [7.62, 6.88], memory: [10.8, 8.98] }, { cpu: 6.88, memory: 8.98 }).quiet).to.equal(true);
    expect(judgeReading({ cpu: [8.1, 6.88], memory: [9.0, 8.98] }, { cpu: 6.88, memory: 8.98 }).why).to.deep.equal([
      'cpu cores uneven (1.18×)',
    ]);
    // A reading missing a workload is judged on the other.
    expect(judgeReading({ cpu: [7.1, 7.2] }, best).quiet).to.equal(true);
  });

  it('takes a measurement again when the cores were not quiet at its end, until they are', async () => {
    const { gate, seen, left } = scripted([QUIET, SLOW_CORE, QUIET, QUIET, QUIET]);
    let taken = 0;
    const first = await gate.measure(async () => ++taken);
    // Before (quiet), after (a slow core: taken again, once a pause later the cores read quiet), after (quiet).
    expect(first).to.deep.equal({ result: 2, quiet: true });
    expect(seen.waits).to.equal(1);
    const second = await gate.measure(async () => ++taken);
    // The first's last reading is the second's start: one new reading, at its end.
    expect(second).to.deep.equal({ result: 3, quiet: true });
    expect(left()).to.equal(0);
    const summary = gate.summary();
    expect(summary).to.include({ measurements: 2, quiet: 2, retaken: 1, readings: 5, waitedMs: 1000 });
    // Every reading is kept for the suite's core-speed figures, as sampleCores' are.
    expect(takeCoreReadings()).to.deep.equal([QUIET.cpu, SLOW_CORE.cpu, QUIET.cpu, QUIET.cpu, QUIET.cpu]);
  });

  it('waits for quiet cores before measuring, and gives up after its retakes', async () => {
    const { gate, seen } = scripted([
      QUIET, // the first start; sets the fastest times
      BOTH_SLOW, // its end: not quiet, so taken again once the cores are
      BOTH_SLOW, // after a pause: still not
      QUIET, // after a second: the second attempt starts
      SLOW_CORE, // its end: not quiet
      QUIET, // after a third pause: the last attempt starts
      BOTH_SLOW, // its end: not quiet, and no retakes are left
    ]);
    let taken = 0;
    const outcome = await gate.measure(async () => ++taken);
    expect(taken).to.equal(MAX_RETAKES + 1);
    expect(outcome).to.deep.equal({ result: 3, quiet: false });
    expect(seen.waits).to.equal(3);
    const summary = gate.summary();
    expect(summary).to.include({ measurements: 1, quiet: 0, retaken: 2, waitedMs: 3000 });
    expect(summary.notQuiet).to.deep.equal(['cpu 1.43× the fastest seen; memory 1.58× the fastest seen']);
  });

  it('stops waiting and retaking once the suite has waited its budget', async () => {
    const { gate, seen } = scripted([QUIET, SLOW_CORE, SLOW_CORE, SLOW_CORE, SLOW_CORE], { budgetMs: 2000 });
    const outcome = await gate.measure(async () => 'taken');
    // Taken, taken again after two pauses used the budget up, and not a third time.
    expect(outcome).to.deep.equal({ result: 'taken', quiet: false });
    expect(seen.waits).to.equal(2);
    expect(gate.summary()).to.include({ measurements: 1, quiet: 0, retaken: 1, waitedMs: 2000 });
    // A quick run's gate (budget 0) never waits or measures again.
    const quick = scripted([SLOW_CORE, SLOW_CORE], { budgetMs: 0 });
    expect(await quick.gate.measure(async () => 1)).to.deep.equal({ result: 1, quiet: false });
    expect(quick.seen).to.deep.equal({ waits: 0, probes: 2 });
  });

  it('counts every measurement as quiet where the cores cannot be timed', async () => {
    const gate = createQuietGate({ probe: () => null, wait: async () => expect.fail('waited') });
    expect(await gate.measure(async () => 'x')).to.deep.equal({ result: 'x', quiet: true });
    expect(gate.summary()).to.include({ measurements: 1, quiet: 1, readings: 2 });
  });

  it('marks a gated suite noise-bound by its share of quiet measurements, not by the waits', () => {
    const readings = [SLOW_CORE.cpu, SLOW_CORE.cpu, QUIET.cpu]; // median ratio 1.71×: taken while waiting
    const result = (quiet, measurements) => ({
      machine: { quietWindows: { measurements, quiet, retaken: 3, waitedMs: 9000, readings: 12, notQuiet: [] } },
    });
    const mostly = result(70, 72);
    judgeMachine(mostly, 0, readings);
    expect(mostly.machine.noiseBound).to.equal(false);
    const few = result(50, 72);
    const notes = judgeMachine(few, 0, readings);
    expect(few.machine.noiseBound).to.equal(true);
    expect(notes.join('\n')).to.match(/only 50 of 72 measurements on quiet cores/);
    // Without a gate (the other suites), the median ratio still decides.
    const ungated = { machine: {} };
    judgeMachine(ungated, 0, readings);
    expect(ungated.machine.noiseBound).to.equal(true);
  });

  const pinnable = os.cpus().length >= 2 && spawnSync('taskset', ['-p', String(process.pid)]).status === 0;

  it('times every core on both workloads', function () {
    if (!pinnable) this.skip();
    this.timeout(30_000);
    const reading = probeCores();
    expect(reading.cpu).to.have.length(os.cpus().length);
    expect(reading.memory).to.have.length(os.cpus().length);
    for (const ms of [...reading.cpu, ...reading.memory]) expect(ms).to.be.above(0.1).and.below(2000);
  });
});
