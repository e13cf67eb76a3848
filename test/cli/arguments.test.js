// Command-line handling, in-process through run(): every mistake gets a clear message and the
// documented exit code, and nothing touches a database before the arguments are known good.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode } from '@audit-events/cli';
import { emptyDir, runCli } from './harness.js';

describe('cli: arguments and usage errors (in-process)', function () {
  it('prints help with every command and the exit codes', async function () {
    const r = await runCli(['--help']);
    expect(r.code).to.equal(ExitCode.OK);
    expect(r.stdout).to.include('Usage: audit-events');
    expect(r.stdout).to.match(/migrate\s/);
    expect(r.stdout).to.match(/archive\s/);
    expect(r.stdout).to.include('Exit codes:');
  });

  it('prints the archive options on `archive --help`', async function () {
    const r = await runCli(['archive', '--help']);
    expect(r.code).to.equal(ExitCode.OK);
    for (const flag of [
      '--older-than <days>',
      '--batch-size <n>',
      '--dry-run',
      '--db <url>',
      '--config <file>',
      '--table <name>',
      '--archive-table <name>',
      '--json',
    ]) {
      expect(r.stdout).to.include(flag);
    }
  });

  it('prints the version', async function () {
    const r = await runCli(['--version']);
    expect(r.code).to.equal(0);
    expect(r.stdout.trim()).to.equal('0.1.0');
  });

  it('exits 2 with usage when no command is given', async function () {
    const r = await runCli([]);
    expect(r.code).to.equal(ExitCode.USAGE);
    expect(r.stderr).to.include('Usage: audit-events');
  });

  it('exits 2 on an unknown command, suggesting the right one', async function () {
    const r = await runCli(['archiv', '--older-than', '3']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include("unknown command 'archiv'");
    expect(r.stderr).to.include('archive');
  });

  it('exits 2 on an unknown option', async function () {
    const r = await runCli(['migrate', '--tabel', 'x']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include("unknown option '--tabel'");
    expect(r.stderr).to.include('--table');
  });

  it('exits 2 on excess arguments', async function () {
    const r = await runCli(['migrate', 'now']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/too many arguments/);
  });

  it('exits 2 when --older-than is missing', async function () {
    const r = await runCli(['archive', '--db', 'sqlite::memory:']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include("required option '--older-than <days>' not specified");
  });

  const badNumbers = [
    [['--older-than', 'abc'], "'abc' is invalid", 'number of days'],
    [['--older-than=-5'], "'-5' is invalid", 'number of days'],
    [['--older-than', '1e3'], "'1e3' is invalid", 'number of days'],
    [['--older-than', '30', '--batch-size', '0'], "'0' is invalid", 'whole number from 1'],
    [['--older-than', '30', '--batch-size', '2.5'], "'2.5' is invalid", 'whole number from 1'],
    [['--older-than', '30', '--batch-size', '-1'], "'-1' is invalid", 'whole number from 1'],
    [['--older-than', '30', '--connect-timeout', '0'], "'0' is invalid", 'seconds'],
  ];
  for (const [args, quoted, hint] of badNumbers) {
    it(`exits 2 on ${args.join(' ')}`, async function () {
      const cwd = emptyDir();
      const r = await runCli(['archive', ...args, '--db', 'sqlite:never.db'], { cwd });
      expect(r.code).to.equal(ExitCode.USAGE);
      expect(r.stderr).to.include(quoted);
      expect(r.stderr).to.include(hint);
      expect(existsSync(join(cwd, 'never.db')), 'no database was opened').to.equal(false);
    });
  }

  it('exits 3 when no database is given, saying how to give one', async function () {
    const r = await runCli(['migrate']);
    expect(r.code).to.equal(ExitCode.CONFIG);
    expect(r.stderr).to.match(/^error: db: no database given: pass --db <url>/);
    expect(r.stderr).to.include('AUDIT_EVENTS_DB');
    expect(r.stderr).to.include('(AUDIT_BAD_CONFIG)');
  });

  it('exits 3 on an unknown URL scheme, without printing the password', async function () {
    const r = await runCli(['migrate', '--db', 'redis://admin:hunter2@cache:6379/0']);
    expect(r.code).to.equal(3);
    expect(r.stderr).to.include('unknown database URL scheme "redis:"');
    expect(r.stderr + r.stdout).not.to.include('hunter2');
  });

  it('exits 3 on a bad table name with the typed error code, before opening the database', async function () {
    const cwd = emptyDir();
    const r = await runCli(['migrate', '--db', 'sqlite:./audit.db', '--table', 'events; drop table x'], { cwd });
    expect(r.code).to.equal(ExitCode.CONFIG);
    expect(r.stderr).to.include('events; drop table x');
    expect(r.stderr).to.include('(AUDIT_BAD_IDENTIFIER)');
    expect(existsSync(join(cwd, 'audit.db')), 'no SQL ran, no file was created').to.equal(false);
  });

  it('exits 3 on a bad archive table name from the environment', async function () {
    const r = await runCli(['archive', '--older-than', '1', '--db', 'sqlite::memory:'], {
      env: { AUDIT_EVENTS_ARCHIVE_TABLE: '1archive' },
    });
    expect(r.code).to.equal(3);
    expect(r.stderr).to.include('(AUDIT_BAD_IDENTIFIER)');
  });

  it('reports a failure as JSON on stdout too when --json is given', async function () {
    const r = await runCli(['migrate', '--json']);
    expect(r.code).to.equal(3);
    const doc = JSON.parse(r.stdout);
    expect(doc.ok).to.equal(false);
    expect(doc.error).to.include({ code: 'AUDIT_BAD_CONFIG', exitCode: 3 });
    expect(doc.error.message).to.include('no database given');
  });

  it('masks credentials even in commander’s own error messages', async function () {
    const r = await runCli(['archive', '--older-than', 'postgres://u:hunter2@h/db']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include('postgres://u:****@h/db');
    expect(r.stderr).not.to.include('hunter2');
  });
});
