import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The benchmark itself never runs under npm test; its command line is checked before any suite starts.
const runner = fileURLToPath(new URL('../../bench/run.mjs', import.meta.url));
const bench = (...args) => spawnSync(process.execPath, [runner, ...args], { encoding: 'utf8', timeout: 20_000 });

describe('npm run bench: arguments', () => {
  it('--help lists the suites and runs none', () => {
    const { status, stdout } = bench('--help');
    expect(status).to.equal(0);
    expect(stdout).to.include(
      'suites: express-overhead, express-event, koa-overhead, express-instructions, koa-instructions, express-event-instructions, emit, db-logger, archive, memory, integrity, change-events, export, nats-ingest, nats-request',
    );
  });

  for (const [args, message] of [
    [['--quik'], 'unknown argument "--quik"'],
    [['--suite', 'expres-event'], 'unknown suite "expres-event"'],
    [['--suite'], '--suite needs a value'],
    [['--runs', '0'], '--runs needs a positive number, got "0"'],
    [['--duration=abc'], '--duration needs a positive number, got "abc"'],
    [['--node', 'latest'], '--node needs a major version such as 24, got "latest"'],
    [['--retry-noisy', 'two'], '--retry-noisy needs a whole number of retries, got "two"'],
  ]) {
    it(`refuses ${args.join(' ')} before measuring anything`, () => {
      const { status, stderr, stdout } = bench(...args);
      expect(status).to.equal(2);
      expect(stderr).to.include(message).and.include('usage: npm run bench');
      expect(stdout).to.equal('');
    });
  }

  it('refuses --table-only with anything that would measure', () => {
    for (const args of [
      ['--table-only', '--quick'],
      ['--table-only', '--suite', 'emit'],
      ['--table-only', '--node', '24'],
    ]) {
      const { status, stderr, stdout } = bench(...args);
      expect(status, args.join(' ')).to.equal(2);
      expect(stderr).to.include(
        '--table-only runs no suite: not with --quick, --suite, --node, --retry-noisy, --runs or --duration',
      );
      expect(stdout).to.equal('');
    }
  });

  it('--table-only writes the summary from the saved results, judged by the rules as they are now, and runs no suite', () => {
    // A table is rewritten after a judging rule changes without measuring again for an hour.
    const dir = mkdtempSync(join(tmpdir(), 'audit-bench-table-'));
    try {
      const saved = (runtime, date, values) => ({
        suite: 'emit',
        date,
        runtime,
        machine: { cpus: 2, cpu: 'Intel(R) Xeon(R) Processor', node: runtime, stealPercent: 0 },
        rows: [{ name: 'emit, no logger', unit: 'events/s', median: values, spread: 0.01, runs: 5 }],
        notes: [],
      });
      mkdirSync(join(dir, 'runs'));
      writeFileSync(
        join(dir, 'runs', '2026-12-05T1848Z-node-v20.20.2.json'),
        JSON.stringify({
          runtime: 'v20.20.2',
          argv: [],
          results: [saved('v20.20.2', '2026-12-05T19:47:30.851Z', 123456)],
        }),
      );
      const started = Date.now();
      const { status, stdout, stderr } = spawnSync(process.execPath, [runner, '--table-only'], {
        encoding: 'utf8',
        timeout: 20_000,
        env: { ...process.env, AUDIT_BENCH_RESULTS_DIR: dir },
      });
      expect(status, stderr).to.equal(0);
      expect(stdout).to.not.include('## ');
      expect(Date.now() - started).to.be.below(15_000);
      const summary = readFileSync(join(dir, 'SUMMARY.md'), 'utf8');
      expect(summary).to.include('Measured 2026-12-05 19:47 UTC').and.include('123,456 events/s');
      expect(readdirSync(join(dir, 'runs'))).to.have.length(1); // no run kept: nothing was measured
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses --update-readme with --quick: a smoke run never goes into the docs', () => {
    const { status, stderr, stdout } = bench('--quick', '--update-readme');
    expect(status).to.equal(2);
    expect(stderr).to.include("--update-readme takes a full run's figures: not with --quick");
    expect(stdout).to.equal('');
  });
});
