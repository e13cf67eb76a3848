import { expect } from 'chai';
import { pickLatest } from '../../bench/lib/latest.mjs';
import { isQuiet } from '../../bench/lib/quiet.mjs';

// The table shows each suite's newest quiet result per Node major: a run on a contended host
// (2026-12-06: both cores at twice their idle time, bare Express at twice its CPU per request)
// must not replace a quiet one, and a suite never measured quietly still shows its newest result.
const result = (suite, runtime, date, machine = {}) => ({ suite, runtime, date, machine: { cpus: 2, ...machine } });
const ORDER = ['express-overhead', 'express-event', 'emit'];

describe('npm run bench: which result the table shows', () => {
  it('takes the newest quiet result over a newer noise-bound one, per suite and Node major', () => {
    const quiet20 = result('express-overhead', 'v20.20.2', '2026-12-05T19:04:00Z', { noiseBound: false });
    const noisy20 = result('express-overhead', 'v20.20.2', '2026-12-06T10:16:00Z', { noiseBound: true });
    const noisy24 = result('express-overhead', 'v24.22.3', '2026-12-06T11:50:00Z', { noiseBound: true });
    const older24 = result('express-overhead', 'v24.22.3', '2026-12-05T20:10:00Z', { noiseBound: true });
    const stolen = result('emit', 'v20.20.2', '2026-12-06T11:00:00Z', { stealPercent: 12.6 });
    const oldQuiet = result('emit', 'v20.20.2', '2026-12-05T19:47:00Z', { stealPercent: 0 }); // before core timing
    const picked = pickLatest([noisy20, quiet20, older24, noisy24, stolen, oldQuiet], ORDER);
    expect(picked).to.deep.equal([quiet20, noisy24, oldQuiet]);
  });

  it('takes the newer of two quiet results, and drops suites the bench no longer has', () => {
    const a = result('express-event', 'v20.20.2', '2026-12-05T19:00:00Z', { noiseBound: false });
    const b = result('express-event', 'v20.20.2', '2026-12-06T10:23:00Z', { noiseBound: false });
    const gone = result('retired-suite', 'v20.20.2', '2026-12-06T10:23:00Z');
    expect(pickLatest([b, gone, a], ORDER)).to.deep.equal([b]);
  });

  it('judges quiet by noiseBound, and results saved before the cores were timed by their steal', () => {
    expect(isQuiet(result('emit', 'v20', 'd', { noiseBound: false, stealPercent: 0 }))).to.equal(true);
    expect(isQuiet(result('emit', 'v20', 'd', { noiseBound: true }))).to.equal(false);
    expect(isQuiet(result('emit', 'v20', 'd', { stealPercent: 5.1 }))).to.equal(false);
    expect(isQuiet(result('emit', 'v20', 'd', {}))).to.equal(true);
    const counted = result('koa-instructions', 'v20', 'd', { noiseBound: true, stealPercent: 12.6 });
    counted.rows = [{ name: 'koa-als instructions/request, main thread', unit: 'instr' }];
    expect(isQuiet(counted)).to.equal(true);
  });
});
