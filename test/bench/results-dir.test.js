import { expect } from 'chai';
import { join } from 'node:path';

// Where bench results go. A --quick smoke run used to write the same latest-result files as a
// full run, so SUMMARY.md and `--update-readme` then showed its indicative figures as current.
describe('npm run bench: where results go', () => {
  let saved;
  beforeEach(() => {
    saved = process.env.AUDIT_BENCH_RESULTS_DIR;
    delete process.env.AUDIT_BENCH_RESULTS_DIR;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.AUDIT_BENCH_RESULTS_DIR;
    else process.env.AUDIT_BENCH_RESULTS_DIR = saved;
  });

  it('a full run writes to bench/results, a --quick one to a folder of its own', async () => {
    const { DEFAULT_RESULTS_DIR, resultsDir } = await import('../../bench/lib/report.mjs');
    expect(resultsDir()).to.equal(DEFAULT_RESULTS_DIR);
    expect(resultsDir({ quick: true })).to.equal(join(DEFAULT_RESULTS_DIR, 'quick'));
  });

  it('AUDIT_BENCH_RESULTS_DIR is read when a result is saved, not when the module was first imported', async () => {
    const { resultsDir } = await import('../../bench/lib/report.mjs');
    process.env.AUDIT_BENCH_RESULTS_DIR = '/tmp/audit-bench-elsewhere';
    expect(resultsDir()).to.equal('/tmp/audit-bench-elsewhere');
    expect(resultsDir({ quick: true })).to.equal('/tmp/audit-bench-elsewhere');
  });
});
