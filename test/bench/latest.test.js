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
  // A suite's two runtime columns sit side by side, so they must come from one host: the same
  // servers cost ~1.4× the CPU per request on an AMD EPYC host as on the Intel Xeon one on
  // Node 20 and ~2× on Node 24, with no steal (sixteenth pass). A quiet result on a new host
  // for one runtime only must not be set beside another host's result for the other.
  describe('pairs the runtimes of a suite by host', () => {
    const XEON = { cpu: 'Intel(R) Xeon(R) Processor' };
    const ZEN5 = { cpu: 'AMD EPYC', cpuId: 'family 26 model 2 stepping 1, 2096 MHz' };
    const ZEN3 = { cpu: 'AMD EPYC', cpuId: 'family 25 model 1 stepping 1, 2445 MHz' };
    const quiet = (runtime, date, host) => result('koa-overhead', runtime, date, { noiseBound: false, ...host });
    const ORDER_KOA = ['koa-overhead'];

    it('keeps an older pair from one host over a newer quiet result on another host for one runtime', () => {
      const xeon20 = quiet('v20.20.2', '2026-12-05T19:10:00Z', XEON);
      const xeon24 = quiet('v24.22.3', '2026-12-05T20:15:00Z', XEON);
      const zen20 = quiet('v20.20.2', '2026-12-06T17:10:00Z', ZEN5);
      const zen24noisy = result('koa-overhead', 'v24.22.3', '2026-12-06T18:10:00Z', { noiseBound: true, ...ZEN5 });
      expect(pickLatest([xeon20, xeon24, zen20, zen24noisy], ORDER_KOA)).to.deep.equal([xeon20, xeon24]);
    });

    it('moves to a newer host once it has a quiet result for every runtime', () => {
      const xeon20 = quiet('v20.20.2', '2026-12-05T19:10:00Z', XEON);
      const xeon24 = quiet('v24.22.3', '2026-12-05T20:15:00Z', XEON);
      const zen20 = quiet('v20.20.2', '2026-12-06T17:10:00Z', ZEN5);
      const zen24 = quiet('v24.22.3', '2026-12-06T18:10:00Z', ZEN5);
      expect(pickLatest([zen24, xeon20, zen20, xeon24], ORDER_KOA)).to.deep.equal([zen20, zen24]);
    });

    it('tells AMD EPYC generations apart by cpuId', () => {
      const zen3_20 = quiet('v20.20.2', '2026-12-06T14:18:00Z', ZEN3);
      const zen5_24 = quiet('v24.22.3', '2026-12-06T18:10:00Z', ZEN5);
      const zen3_24 = quiet('v24.22.3', '2026-12-06T14:25:00Z', ZEN3);
      expect(pickLatest([zen3_20, zen5_24, zen3_24], ORDER_KOA)).to.deep.equal([zen3_20, zen3_24]);
    });

    it('falls back to the newest quiet result per runtime when no host has them all', () => {
      const xeon20 = quiet('v20.20.2', '2026-12-05T19:10:00Z', XEON);
      const zen24 = quiet('v24.22.3', '2026-12-06T18:10:00Z', ZEN5);
      expect(pickLatest([xeon20, zen24], ORDER_KOA)).to.deep.equal([xeon20, zen24]);
    });

    it('pairs only the runtimes measured quietly somewhere; the others show their newest result', () => {
      const xeon20 = quiet('v20.20.2', '2026-12-05T19:10:00Z', XEON);
      const zen20 = quiet('v20.20.2', '2026-12-06T17:10:00Z', ZEN5);
      const noisy24 = result('koa-overhead', 'v24.22.3', '2026-12-06T18:10:00Z', { noiseBound: true, ...ZEN5 });
      expect(pickLatest([xeon20, zen20, noisy24], ORDER_KOA)).to.deep.equal([zen20, noisy24]);
    });
  });
});
