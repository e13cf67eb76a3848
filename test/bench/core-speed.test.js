import { expect } from 'chai';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import {
  coreSlowdown,
  coreSpeedRatio,
  fastestCoreTime,
  runFastestCoreTime,
  sampleCores,
  takeCoreReadings,
  timeCores,
} from '../../bench/lib/core-speed.mjs';

// Host steal time misses a vCPU slowed by another guest on its hyperthread sibling; the bench
// times every core on a fixed workload before, during and after each suite.
describe('npm run bench: the cores timed on a fixed workload', () => {
  it('gives the slowest core over the fastest, median and worst, over the readings of a suite', () => {
    // Readings of 2026-12-06 (ms per core): contention that came and went between seconds.
    const readings = [
      [7.48, 12.54],
      [7.41, 13.32],
      [7.09, 9.87],
      [7.21, 8.1],
      [7.26, 13.72],
    ];
    const ratio = coreSpeedRatio(readings);
    expect(ratio.readings).to.equal(5);
    expect(ratio.median).to.be.closeTo(12.54 / 7.48, 1e-9);
    expect(ratio.max).to.be.closeTo(13.72 / 7.26, 1e-9);
    expect(coreSpeedRatio([[5, 5.5], null, [6, 6]]).median).to.be.closeTo((1.1 + 1) / 2, 1e-9);
  });

  it('has no ratio without a reading of two cores or more', () => {
    expect(coreSpeedRatio([])).to.equal(null);
    expect(coreSpeedRatio([null, [4.2], [0, 3]])).to.equal(null);
  });

  it("gives the slowest core over the run's fastest core time, which sees both cores slowed", () => {
    // Readings of 2026-12-06 on an Intel Xeon host: even cores, both at twice their idle time.
    const readings = [
      [22.35, 22.11],
      [9.67, 9.6],
      [23.44, 22.75],
    ];
    expect(coreSpeedRatio(readings).median).to.be.below(1.05);
    expect(fastestCoreTime(readings)).to.equal(9.6);
    const slowed = coreSlowdown(readings, 9.6);
    expect(slowed.readings).to.equal(3);
    expect(slowed.median).to.be.closeTo(22.35 / 9.6, 1e-9);
    expect(slowed.max).to.be.closeTo(23.44 / 9.6, 1e-9);
    expect(coreSlowdown(readings, null)).to.equal(null);
    expect(coreSlowdown([null, [0, 3]], 9.6)).to.equal(null);
    expect(fastestCoreTime([null, [0, -1]])).to.equal(null);
  });

  const pinnable = os.cpus().length >= 2 && spawnSync('taskset', ['-p', String(process.pid)]).status === 0;

  it('times every core in turn, and keeps the readings for the suite that runs', function () {
    if (!pinnable) {
      expect(timeCores()).to.equal(null);
      this.skip(); // one core, or no taskset: nothing to compare
    }
    this.timeout(30_000);
    takeCoreReadings();
    const times = sampleCores();
    expect(times).to.have.length(os.cpus().length);
    for (const ms of times) expect(ms).to.be.a('number').and.to.be.above(0.1).and.below(1000);
    expect(takeCoreReadings()).to.deep.equal([times]);
    expect(takeCoreReadings()).to.deep.equal([]);
    // The run's fastest time outlives the suite's readings: it is the reference of later suites.
    expect(runFastestCoreTime())
      .to.be.a('number')
      .and.at.most(Math.min(...times));
  });

  it('times every core from a process pinned to one (the HTTP suites pin the load generator)', function () {
    if (!pinnable) this.skip();
    this.timeout(30_000);
    const lib = new URL('../../bench/lib/core-speed.mjs', import.meta.url).href;
    const script = `import(${JSON.stringify(lib)}).then((m) => process.stdout.write(JSON.stringify(m.timeCores())))`;
    const pinned = spawnSync('taskset', ['-c', '0', process.execPath, '-e', script], { encoding: 'utf8' });
    expect(pinned.status, pinned.stderr).to.equal(0);
    expect(JSON.parse(pinned.stdout)).to.have.length(os.cpus().length);
  });
});
