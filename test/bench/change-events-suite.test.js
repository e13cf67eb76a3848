import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The suite runs in-process in about a second with --quick: run whole, so a change to the bench's
// round structure (interleave()'s warm-up rounds) cannot break it unnoticed until a full run.
describe('bench suite change-events (--quick)', function () {
  this.timeout(60_000);
  let dir;
  before(() => {
    // Its result goes to a directory of its own, never over bench/results' real one.
    dir = mkdtempSync(join(tmpdir(), 'audit-bench-results-'));
    process.env.AUDIT_BENCH_RESULTS_DIR = dir;
  });
  after(() => {
    delete process.env.AUDIT_BENCH_RESULTS_DIR;
    rmSync(dir, { recursive: true, force: true });
  });

  it('measures every variant and checks each round stored its events', async () => {
    const { changeEvents } = await import('../../bench/suites/change-events.mjs');
    const { runtimeTag } = await import('../../bench/lib/report.mjs');
    const log = console.log;
    console.log = () => {};
    let result;
    try {
      result = await changeEvents({ quick: true });
    } finally {
      console.log = log;
    }
    const rows = new Map(result.rows.map((row) => [row.name, row]));
    for (const name of [
      'createEvent, 50-field content',
      'createChangeEvent, 50-field before/after',
      'computeChangePatch alone, 50 fields',
    ]) {
      const row = rows.get(name);
      assert.ok(row, name);
      assert.equal(row.values.length, 3, `${name}: one sample per counted round`);
      assert.ok(row.median > 0, `${name}: a rate`);
    }
    const change = rows.get('createChangeEvent, 50-field before/after');
    assert.ok(change.ratio > 0 && change.ratio < 1, `a diff makes an event dearer, not free: ${change.ratio}`);
    assert.deepEqual(readdirSync(dir), [`change-events.${runtimeTag(process.version)}.json`]);
  });
});
