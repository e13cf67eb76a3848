import { expect } from 'chai';
import { judgeMachine, machineSummary } from '../../bench/lib/quiet.mjs';

// A suite's machine judged once: the notes, the run's JSON and the table's heading must agree
// that a run was noise-bound, whether by steal or by a core slowed with no steal at all.
const suite = (name, runtime, machine = {}) => ({
  suite: name,
  runtime,
  machine: { cpus: 2, cpu: 'AMD EPYC', ...machine },
  notes: [],
});
// Readings of 2026-12-06 (ms per core): core 1 slowed by another guest, steal 0.0 %.
const UNEVEN = [
  [7.589, 13.375],
  [8.053, 12.99],
  [7.571, 12.973],
  [7.647, 7.567],
  [7.901, 7.541],
];
const EVEN = [
  [7.61, 7.62],
  [7.46, 7.46],
  [7.63, 7.74],
];

describe('npm run bench: a quiet machine or a noise-bound run', () => {
  it('marks a suite noise-bound when its cores ran unevenly, though nothing was stolen', () => {
    const result = suite('koa-overhead', 'v20.20.2');
    const notes = judgeMachine(result, 0, UNEVEN);
    expect(result.machine.stealPercent).to.equal(0);
    expect(result.machine.coreSpeed.median).to.equal(1.613);
    expect(result.machine.coreSpeed.max).to.equal(1.762);
    expect(result.machine.coreSpeed.readings).to.deep.equal(UNEVEN);
    expect(result.machine.noiseBound).to.equal(true);
    expect(notes).to.have.length(2);
    expect(notes[0]).to.equal('host steal time during this suite: 0.0% of CPU time');
    expect(notes[1]).to.match(
      /^cores' speed on a fixed workload, slowest over fastest: 1\.61× \(median of 5 readings, at worst 1\.76×\) \(uneven cores/,
    );
  });

  it('keeps a suite with even cores and little steal, and marks one with steal above 5 %', () => {
    const quiet = suite('express-event', 'v24.22.3');
    expect(judgeMachine(quiet, 0.4, EVEN).some((n) => n.includes('noise-bound'))).to.equal(false);
    expect(quiet.machine.noiseBound).to.equal(false);
    const stolen = suite('express-event', 'v24.22.3');
    expect(judgeMachine(stolen, 7.2, EVEN)[0]).to.include('a contended host: these figures are noise-bound');
    expect(stolen.machine.noiseBound).to.equal(true);
  });

  it('says nothing of a machine it could not measure', () => {
    const result = suite('emit', 'v20.20.2');
    expect(judgeMachine(result, null, [])).to.deep.equal([]);
    expect(result.machine).to.not.have.any.keys('noiseBound', 'stealPercent', 'coreSpeed');
  });

  it("names the noise-bound suites in the table's heading, old results by their steal", () => {
    const latest = [
      suite('express-event', 'v20.20.2', { stealPercent: 0, coreSpeed: { median: 1.28 }, noiseBound: true }),
      suite('express-event', 'v24.22.3', { stealPercent: 0, coreSpeed: { median: 1.02 }, noiseBound: false }),
      suite('archive', 'v20.20.2', { stealPercent: 6.5 }), // saved before the cores were timed
      suite('emit', 'v24.22.3', { stealPercent: 0.1 }),
    ];
    expect(machineSummary(latest)).to.equal(
      ' Host CPU: AMD EPYC.' +
        " Host steal time during the suites: 0–6.5% of CPU time. Cores' speed on a fixed workload, slowest over" +
        ' fastest (median per suite): 1.02–1.28×. **Noise-bound** (steal above 5 % or uneven cores):' +
        ' express-event (Node 20), archive (Node 20).',
    );
    expect(machineSummary([suite('emit', 'v20.20.2', { stealPercent: 0 })])).to.equal(
      ' Host CPU: AMD EPYC. Host steal time during the suites: 0–0% of CPU time.',
    );
  });

  it('says when the results come from different host CPUs, and which from which', () => {
    const xeon = (name, runtime) => {
      const result = suite(name, runtime, { stealPercent: 0 });
      result.machine.cpu = 'Intel(R) Xeon(R) Processor';
      return result;
    };
    const latest = [
      xeon('express-overhead', 'v20.20.2'),
      suite('express-event', 'v20.20.2', { stealPercent: 0 }),
      xeon('express-overhead', 'v24.22.3'),
    ];
    expect(machineSummary(latest)).to.equal(
      ' **Results from different host CPUs** (compare ratios, not rates or CPU times, across them):' +
        ' Intel(R) Xeon(R) Processor: express-overhead (Node 20), express-overhead (Node 24);' +
        ' AMD EPYC: express-event (Node 20). Host steal time during the suites: 0–0% of CPU time.',
    );
  });
});
