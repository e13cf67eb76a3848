import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
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

  it('refuses --update-readme with --quick: a smoke run never goes into the docs', () => {
    const { status, stderr, stdout } = bench('--quick', '--update-readme');
    expect(status).to.equal(2);
    expect(stderr).to.include("--update-readme takes a full run's figures: not with --quick");
    expect(stdout).to.equal('');
  });
});
