import { expect } from 'chai';
import { hostReference, keptReference } from '../../bench/lib/host-reference.mjs';
import { judgeMachine, rejudgeRun } from '../../bench/lib/quiet.mjs';
import { cpuId } from '../../bench/lib/report.mjs';

// A run on a host slowed from its first reading to its last judges itself quiet against its own
// fastest time; the fastest the kept runs took on the same host CPU and Node major sees it.
const MILAN = 'family 25 model 1 stepping 1, 2445 MHz';
const kept = (date, cpu, node, readings) => ({
  suite: 'express-event',
  date,
  machine: { cpu: 'AMD EPYC', cpuId: cpu, node, coreSpeed: { median: 1, max: 1, readings } },
});
const suite = (name) => ({
  suite: name,
  runtime: 'v20.20.2',
  machine: { cpus: 2, cpu: 'AMD EPYC', cpuId: MILAN },
  notes: [],
});
// Both cores at ~1.6x their idle time for a whole short run, steal 0 %: even, and steady.
const SLOWED_THROUGHOUT = [
  [11.902, 11.551],
  [12.008, 11.757],
  [11.694, 12.181],
  [12.056, 12.333],
];

describe('npm run bench: the host reference kept across runs', () => {
  it('takes the fastest core time kept on the same host CPU by the same Node major', () => {
    const results = [
      kept('2026-12-06T08:04:00Z', MILAN, 'v20.20.2', [
        [7.61, 7.44],
        [7.52, 7.57],
      ]),
      kept('2026-12-06T09:00:00Z', MILAN, 'v20.20.2', [[7.48, 7.49]]),
      // Another generation under the same model name, another major, and a result saved before
      // cpuId was recorded: none of them says how fast this host runs the probe under Node 20.
      kept('2026-12-06T10:00:00Z', 'family 25 model 17 stepping 1, 2600 MHz', 'v20.20.2', [[5.1, 5.2]]),
      kept('2026-12-06T11:00:00Z', MILAN, 'v24.22.3', [[6.0, 6.1]]),
      kept('2026-12-06T12:00:00Z', undefined, 'v20.20.2', [[4.0, 4.1]]),
      { suite: 'emit', date: '2026-12-06T13:00:00Z', machine: { cpuId: MILAN, node: 'v20.20.2' } },
    ];
    expect(keptReference(results, { cpuId: MILAN, node: 'v20.20.2' })).to.deep.equal({
      ms: 7.44,
      date: '2026-12-06T08:04:00Z',
    });
    expect(keptReference(results, { cpuId: MILAN, node: 'v24.1.0' })).to.deep.equal({
      ms: 6.0,
      date: '2026-12-06T11:00:00Z',
    });
    expect(keptReference(results, { cpuId: 'family 6 model 207 stepping 2, 2100 MHz', node: 'v20.20.2' })).to.equal(
      null,
    );
    expect(keptReference(results, { cpuId: null, node: 'v20.20.2' })).to.equal(null);
  });

  it("sets the readings against the faster of the run's fastest time and the kept one, and says which", () => {
    const fromKept = hostReference(11.551, { ms: 7.44, date: '2026-12-06T08:04:00Z' });
    expect(fromKept).to.deep.equal({
      ms: 7.44,
      from: '2026-12-06T08:04:00Z',
      label: 'the fastest core time kept for this host CPU (2026-12-06 08:04 UTC)',
    });
    expect(hostReference(7.1, { ms: 7.44, date: '2026-12-06T08:04:00Z' })).to.deep.equal({
      ms: 7.1,
      label: "the run's fastest core time",
    });
    expect(hostReference(null, { ms: 7.44, date: '2026-12-06T08:04:00Z' }).ms).to.equal(7.44);
    expect(hostReference(null, null)).to.equal(null);
  });

  it('marks noise-bound a suite slowed throughout, which its own readings pass', () => {
    const alone = suite('express-overhead');
    judgeMachine(alone, 0, SLOWED_THROUGHOUT);
    expect(alone.machine.noiseBound).to.equal(false);

    const result = suite('express-overhead');
    const notes = judgeMachine(
      result,
      0,
      SLOWED_THROUGHOUT,
      hostReference(11.551, { ms: 7.44, date: '2026-12-06T08:04:00Z' }),
    );
    expect(result.machine.noiseBound).to.equal(true);
    expect(result.machine.coreSpeed.reference).to.equal(7.44);
    expect(result.machine.coreSpeed.referenceFrom).to.equal('2026-12-06T08:04:00Z');
    expect(result.machine.coreSpeed.slowdown.median).to.equal(1.626);
    expect(notes[2]).to.equal(
      'slowest core over the fastest core time kept for this host CPU (2026-12-06 08:04 UTC) (7.44 ms): 1.63× (median, at worst 1.66×)' +
        ' (both cores slowed, other guests on the host: these figures are noise-bound)',
    );
  });

  it('judges the whole run again against the kept time at its end', () => {
    const early = suite('express-overhead');
    judgeMachine(early, 0, SLOWED_THROUGHOUT, hostReference(11.551, null));
    expect(early.machine.noiseBound).to.equal(false);
    const notes = rejudgeRun([early], { ms: 7.44, date: '2026-12-06T08:04:00Z' });
    expect(early.machine.noiseBound).to.equal(true);
    expect(early.machine.coreSpeed.referenceFrom).to.equal('2026-12-06T08:04:00Z');
    expect(notes).to.deep.equal([
      'express-overhead (Node 20): against the fastest core time kept for this host CPU (2026-12-06 08:04 UTC) (7.44 ms) the slowest core read 1.63× (median): noise-bound after all',
    ]);
    // Without a kept time, the run's own fastest decides, as before.
    const alone = suite('koa-overhead');
    judgeMachine(alone, 0, SLOWED_THROUGHOUT);
    expect(rejudgeRun([alone], null)).to.deep.equal([]);
    expect(alone.machine.coreSpeed.referenceFrom).to.equal(undefined);
  });

  it('names the host CPU by family, model, stepping and clock, which a VM does not shorten', function () {
    const id = cpuId();
    if (id === null) this.skip(); // no /proc/cpuinfo: not Linux
    expect(id).to.match(/^family \d+ model \d+ stepping \S+(, \d+ MHz)?$/);
  });
});
