import { expect } from 'chai';
import {
  isQuiet,
  judgeMachine,
  machineSummary,
  noisySuites,
  ratiosSpread,
  rejudgeRun,
  roundsSpread,
} from '../../bench/lib/quiet.mjs';
import { quantile, quartileSpread } from '../../bench/lib/stats.mjs';

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
// Readings of 2026-12-06 on an Intel Xeon host (express-overhead, Node 20): both cores at ~22 ms
// for most of the suite against ~9.4-10.8 ms uncontended, steal 0 %, even cores; bare Express used
// 155-257 µs of CPU per request, against 86-93 µs on a quiet day on such a host.
const SLOWED = [
  [23.021, 22.981],
  [10.762, 10.883],
  [19.763, 19.041],
  [23.441, 22.751],
  [23.362, 24.379],
  [22.35, 22.114],
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
    expect(notes).to.have.length(3);
    expect(notes[0]).to.equal('host steal time during this suite: 0.0% of CPU time');
    expect(notes[1]).to.match(
      /^cores' speed on a fixed workload, slowest over fastest: 1\.61× \(median of 5 readings, at worst 1\.76×\) \(uneven cores/,
    );
    // Against the suite's own fastest time (no reference given): the slowest core's median reading, 12.973 ms, is 1.72× of it.
    expect(result.machine.coreSpeed.reference).to.equal(7.541);
    expect(result.machine.coreSpeed.slowdown).to.deep.equal({ median: 1.72, max: 1.774 });
  });

  it('marks a suite noise-bound when both cores slowed alike, which comparing them cannot see', () => {
    const result = suite('express-overhead', 'v20.20.2', { cpu: 'Intel(R) Xeon(R) Processor' });
    const notes = judgeMachine(result, 0, SLOWED, 9.43);
    expect(result.machine.coreSpeed.median).to.be.below(1.15); // even: the old test passed it
    expect(result.machine.coreSpeed.reference).to.equal(9.43);
    expect(result.machine.coreSpeed.slowdown.median).to.equal(2.406); // 22.69 ms (the median of the slowest cores) over 9.43
    expect(result.machine.noiseBound).to.equal(true);
    expect(notes[2]).to.equal(
      "slowest core over the run's fastest core time (9.43 ms): 2.41× (median, at worst 2.59×)" +
        ' (both cores slowed, other guests on the host: these figures are noise-bound)',
    );
    // The same readings against a reference they themselves reach are quiet by this measure alone.
    const quiet = suite('koa-overhead', 'v20.20.2');
    judgeMachine(quiet, 0, EVEN, 7.46);
    expect(quiet.machine.coreSpeed.slowdown.median).to.be.below(1.15);
    expect(quiet.machine.noiseBound).to.equal(false);
  });

  it('never marks a suite of instruction counts noise-bound: no other guest changes a count', () => {
    const counted = suite('koa-instructions', 'v20.20.2');
    counted.rows = [{ name: 'koa-als instructions/request, main thread', unit: 'instr', median: 101800 }];
    const notes = judgeMachine(counted, 12.6, SLOWED, 9.43);
    expect(counted.machine.coreSpeed.slowdown.median).to.equal(2.406); // recorded all the same
    expect(counted.machine.noiseBound).to.equal(false);
    expect(notes[notes.length - 1]).to.equal(
      'instructions are counted, not timed: what slowed the machine does not change these figures',
    );
    rejudgeRun([counted]);
    expect(counted.machine.noiseBound).to.equal(false);
    // The heading's machine figures are the timed suites': a count's slowed cores are not among them.
    expect(machineSummary([counted])).to.equal(' Host CPU: AMD EPYC.');
  });

  it("judges a run's suites again against the whole run's fastest core time", () => {
    // The first suite ran slowed from its start: against its own readings it looked quiet.
    const early = suite('express-overhead', 'v20.20.2');
    judgeMachine(early, 0, [
      [22.4, 22.5],
      [22.9, 22.6],
    ]);
    expect(early.machine.noiseBound).to.equal(false);
    const late = suite('koa-overhead', 'v20.20.2');
    judgeMachine(late, 0, [
      [9.6, 9.5],
      [9.9, 9.43],
    ]);
    const notes = rejudgeRun([early, late]);
    expect(early.machine.noiseBound).to.equal(true);
    expect(early.machine.coreSpeed.reference).to.equal(9.43);
    expect(early.machine.coreSpeed.slowdown.median).to.equal(2.407);
    expect(late.machine.noiseBound).to.equal(false);
    expect(notes).to.deep.equal([
      "express-overhead (Node 20): against the whole run's fastest core time (9.43 ms) the slowest core read 2.41× (median): noise-bound after all",
    ]);
    expect(early.notes).to.deep.equal([notes[0].replace('express-overhead (Node 20): ', '')]);
    // Steal still decides on its own: a suite stolen from stays noise-bound whatever its cores did.
    const stolen = suite('emit', 'v20.20.2');
    judgeMachine(stolen, 12.6, [[9.5, 9.6]]);
    rejudgeRun([stolen, late]);
    expect(stolen.machine.noiseBound).to.equal(true);
  });

  it('keeps a suite with even cores and little steal, and marks one with steal above 5 %', () => {
    const quiet = suite('express-event', 'v24.22.3');
    expect(judgeMachine(quiet, 0.4, EVEN).some((n) => n.includes('noise-bound'))).to.equal(false);
    expect(quiet.machine.noiseBound).to.equal(false);
    const stolen = suite('express-event', 'v24.22.3');
    expect(judgeMachine(stolen, 7.2, EVEN)[0]).to.include('a contended host: these figures are noise-bound');
    expect(stolen.machine.noiseBound).to.equal(true);
  });

  it('marks an HTTP suite noise-bound when its rounds disagree, though steal and cores read quiet', () => {
    // express-event's req/s per round on Node 20: the twelfth pass's quiet Xeon host, and an AMD
    // EPYC host of 2026-12-06 whose probe read a steady 11.5-12.7 ms on both cores, steal 0.1 %.
    const rows = (bare, event) => [
      { name: 'bare', unit: 'req/s', values: bare },
      { name: 'audit-event', unit: 'req/s', values: event },
      // Not the rounds' own figures: a ratio row repeats its variant's, CPU rows are µs.
      { name: 'audit-event vs bare', unit: 'req/s', values: [1, 9, 1, 9, 1, 9] },
      { name: 'bare CPU/request', unit: 'µs', values: [1, 90, 1, 90, 1] },
    ];
    const quiet = {
      ...suite('express-event', 'v20.20.2'),
      rows: rows(
        [9740, 10239, 9897, 9983, 9385, 9767, 9988, 9831, 10089],
        [7015, 6787, 6757, 6555, 6766, 6845, 6734, 6758, 6842],
      ),
    };
    const notes = judgeMachine(quiet, 0, EVEN);
    expect(quiet.machine.roundsSpread).to.equal(0.017);
    expect(quiet.machine.noiseBound).to.equal(false);
    expect(notes[notes.length - 1]).to.equal(
      "rounds' interquartile range over their median (median over the req/s variants): 1.7%",
    );

    const steady = {
      ...suite('express-event', 'v20.20.2'),
      rows: rows(
        [5965, 4698, 5383, 5845, 5213, 3957, 4407, 5589, 6334],
        [4467, 2734, 4135, 4450, 2868, 2080, 2482, 3615, 4668],
      ),
    };
    const steadyNotes = judgeMachine(steady, 0.1, [
      [11.626, 11.702],
      [11.653, 11.957],
      [11.69, 12.066],
    ]);
    expect(steady.machine.coreSpeed.slowdown.median).to.be.below(1.15);
    expect(steady.machine.roundsSpread).to.equal(0.344);
    expect(steady.machine.noiseBound).to.equal(true);
    expect(steadyNotes[steadyNotes.length - 1]).to.equal(
      "rounds' interquartile range over their median (median over the req/s variants): 34.4% (above 10 %: the rounds disagree, these figures are noise-bound)",
    );
    // A result saved before the rule is judged by its rows all the same.
    delete steady.machine.noiseBound;
    delete steady.machine.roundsSpread;
    expect(isQuiet(steady)).to.equal(false);
    expect(isQuiet(quiet)).to.equal(true);
  });

  it('marks an HTTP suite noise-bound when its rounds disagree on the ratios, though its rates agree', () => {
    // express-overhead's req/s per round on Node 24: the thirteenth pass's quiet Xeon host, and
    // the nineteenth pass's AMD EPYC (Zen 5) host, whose variants' rates agreed within 10 % of
    // their medians while audit-context read 0.52-1.34× of bare from one round to the next.
    const rows = (bare, ours, peer) => {
      const paired = (name, values) => ({
        name,
        unit: 'req/s',
        values,
        baseline: 'bare',
        ratios: values.map((v, i) => v / bare[i]),
      });
      return [
        { name: 'bare', unit: 'req/s', values: bare },
        paired('audit-context', ours),
        paired('cls-rtracer', peer),
      ];
    };
    const xeon = {
      ...suite('express-overhead', 'v24.22.3'),
      rows: rows(
        [46629, 46384, 44645, 48272, 45595, 44400, 46000, 43120, 43387],
        [40112, 39600, 37680, 39323, 39792, 38576, 38683, 38619, 39419],
        [42245, 40091, 39579, 39376, 39515, 38171, 38693, 38992, 39632],
      ),
    };
    const zen5 = {
      ...suite('express-overhead', 'v24.22.3'),
      rows: rows(
        [26989, 30163, 30301, 25864, 27128, 19607, 26104, 14851, 27720],
        [25400, 25848, 22013, 22941, 14205, 23837, 18415, 19940, 22648],
        [23816, 27523, 23939, 24589, 25437, 25203, 22813, 25368, 23405],
      ),
    };
    const xeonNotes = judgeMachine(xeon, 0, EVEN);
    expect(xeon.machine.ratiosSpread).to.equal(0.042);
    expect(xeon.machine.noiseBound).to.equal(false);
    expect(xeonNotes[xeonNotes.length - 1]).to.equal(
      "per-round ratios' interquartile range over their median (median over the req/s ratios): 4.2%",
    );
    const zen5Notes = judgeMachine(zen5, 0, EVEN);
    expect(zen5.machine.roundsSpread).to.be.below(0.1);
    expect(zen5.machine.ratiosSpread).to.equal(0.167);
    expect(zen5.machine.noiseBound).to.equal(true);
    expect(zen5Notes[zen5Notes.length - 1]).to.equal(
      "per-round ratios' interquartile range over their median (median over the req/s ratios): 16.7% (above 10 %: the rounds disagree on the ratios, these figures are noise-bound)",
    );
    // A result saved before the rule is judged by its rows all the same.
    delete zen5.machine.noiseBound;
    delete zen5.machine.ratiosSpread;
    expect(isQuiet(zen5)).to.equal(false);
    expect(isQuiet(xeon)).to.equal(true);
    expect(ratiosSpread({ rows: [{ name: 'sqlite save', unit: 'events/s', ratios: [1, 2, 3, 4, 5] }] })).to.equal(null);
  });

  it('has no rounds spread for in-process suites or a --quick run', () => {
    expect(roundsSpread({ rows: [{ name: 'sqlite save', unit: 'events/s', values: [1, 2, 3, 4, 5] }] })).to.equal(null);
    expect(roundsSpread({ rows: [{ name: 'bare', unit: 'req/s', values: [5000, 9000] }] })).to.equal(null);
    expect(roundsSpread({ rows: [] })).to.equal(null);
    expect(quantile([1, 2, 3, 4], 0.25)).to.equal(1.75);
    expect(quantile([7], 0.75)).to.equal(7);
    expect(quartileSpread([0, 0, 0])).to.equal(0);
  });

  it('names the suites of a run that have no quiet result yet, for --retry-noisy to run again', () => {
    const results = [
      suite('express-overhead', 'v20.20.2', { noiseBound: true }),
      suite('express-event', 'v20.20.2', { noiseBound: true }),
      suite('koa-overhead', 'v20.20.2', { noiseBound: false }),
      suite('emit', 'v20.20.2', { stealPercent: 7.5 }),
      // The retry of express-event came out quiet: it is not retried again.
      suite('express-event', 'v20.20.2', { noiseBound: false }),
      { ...suite('koa-instructions', 'v20.20.2', { noiseBound: true }), rows: [{ name: 'x', unit: 'instr' }] },
    ];
    expect(noisySuites(results)).to.deep.equal(['express-overhead', 'emit']);
    expect(noisySuites([])).to.deep.equal([]);
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
        ' fastest (median per suite): 1.02–1.28×. **Noise-bound** (steal above 5 %, uneven or slowed cores, or rounds that disagree):' +
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
  it('names AMD EPYC generations apart by their cpuId', () => {
    const epyc = (name, runtime, cpuId) => {
      const result = suite(name, runtime, { stealPercent: 0 });
      result.machine.cpuId = cpuId;
      return result;
    };
    const latest = [
      epyc('koa-overhead', 'v20.20.2', 'family 25 model 1 stepping 1, 2445 MHz'),
      epyc('koa-overhead', 'v24.22.3', 'family 26 model 2 stepping 1, 2096 MHz'),
    ];
    expect(machineSummary(latest)).to.equal(
      ' **Results from different host CPUs** (compare ratios, not rates or CPU times, across them):' +
        ' AMD EPYC (family 25 model 1 stepping 1, 2445 MHz): koa-overhead (Node 20);' +
        ' AMD EPYC (family 26 model 2 stepping 1, 2096 MHz): koa-overhead (Node 24).' +
        ' Host steal time during the suites: 0–0% of CPU time.',
    );
  });
});
