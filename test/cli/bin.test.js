// The real executable: child processes of bin/audit-events.cjs, their exit codes and messages.
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import knexFactory from 'knex';
import { emptyDir, runBin, countRows, seed } from './harness.js';
import { sqliteKnexConfig } from '@audit-events/knex';

describe('cli: bin/audit-events.cjs (child processes)', function () {
  it('--version exits 0', async function () {
    const r = await runBin(['--version']);
    expect(r.code).to.equal(0);
    expect(r.stdout.trim()).to.match(/^\d+\.\d+\.\d+/);
  });

  it('no command: usage on stderr, exit 2', async function () {
    const r = await runBin([]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include('Usage: audit-events');
    expect(r.stdout).to.equal('');
  });

  it('unknown option: exit 2', async function () {
    const r = await runBin(['archive', '--older-than', '5', '--fast']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include("error: unknown option '--fast'");
  });

  it('bad number: exit 2', async function () {
    const r = await runBin(['archive', '--older-than', 'abc']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include("error: option '--older-than <days>' argument 'abc' is invalid.");
  });

  it('no database: exit 3', async function () {
    const r = await runBin(['migrate']);
    expect(r.code).to.equal(3);
    expect(r.stderr).to.include('no database given');
  });

  it('unknown URL scheme: exit 3', async function () {
    const r = await runBin(['migrate'], { env: { AUDIT_EVENTS_DB: 'mongodb://u:hunter2@h/db' } });
    expect(r.code).to.equal(3);
    expect(r.stderr).to.include('unknown database URL scheme "mongodb:"');
    expect(r.stderr).not.to.include('hunter2');
  });

  it('bad table name: exit 3 with AUDIT_BAD_IDENTIFIER', async function () {
    const r = await runBin(['migrate', '--db', 'sqlite::memory:', '--table', 'a-b']);
    expect(r.code).to.equal(3);
    expect(r.stderr).to.include('(AUDIT_BAD_IDENTIFIER)');
  });

  it('unreachable database: exit 4 naming host:port, password masked', async function () {
    const r = await runBin(['archive', '--older-than', '30'], {
      env: { AUDIT_EVENTS_DB: 'postgres://app:hunter2@127.0.0.1:1/audit' },
    });
    expect(r.code).to.equal(4);
    expect(r.stderr).to.include('Cannot connect to postgres://app:****@127.0.0.1:1/audit');
    expect(r.stderr).to.include('127.0.0.1:1');
    expect(r.stderr).not.to.include('hunter2');
  });

  it('migrate then archive from a config file in the working directory (as cron would run it)', async function () {
    const cwd = emptyDir();
    writeFileSync(
      join(cwd, 'audit-events.config.json'),
      JSON.stringify({ db: 'sqlite:./audit.db', table: 'bin_events', archiveTable: 'bin_archive' }),
    );
    const migrated = await runBin(['migrate'], { cwd });
    expect(migrated.code, migrated.stderr).to.equal(0);
    expect(migrated.stdout).to.equal(`migrated bin_events and bin_archive on sqlite:${join(cwd, 'audit.db')}\n`);

    const knex = knexFactory(sqliteKnexConfig(join(cwd, 'audit.db')));
    try {
      await seed(knex, { tableName: 'bin_events', archiveTableName: 'bin_archive' }, 25, 100);
      await seed(knex, { tableName: 'bin_events', archiveTableName: 'bin_archive' }, 5, 10);
      const archived = await runBin(['archive', '--older-than', '90', '--batch-size', '10'], { cwd });
      expect(archived.code, archived.stderr).to.equal(0);
      expect(archived.stderr).to.equal('');
      expect(archived.stdout).to.match(/^archived 25 events in 3 batches \(cutoff \S+Z, 0 remaining\)\n$/);
      expect(await countRows(knex, 'bin_events')).to.equal(5);
      expect(await countRows(knex, 'bin_archive')).to.equal(25);
    } finally {
      await knex.destroy();
    }
  });
});
