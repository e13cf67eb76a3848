// Rough edges a first-time user hits (issue 19 item 4): what the help says, misspelt options,
// derived archive table names, plurals, error text said once, and table-name rules spelt out.
import { expect } from 'chai';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import knexFactory from 'knex';
import { KnexEventStore } from '@audit-events/knex';
import { emptyDir, runCli, seed } from './harness.js';

function sqliteUrl(dir) {
  return `sqlite:${join(dir, 'audit.db')}`;
}

describe('audit-events CLI: first use', () => {
  it('the top-level help says what every command does', async () => {
    const r = await runCli(['--help']);
    expect(r.code).to.equal(0);
    const description = r.stdout.slice(r.stdout.indexOf('\n\n'), r.stdout.indexOf('Options:')).replace(/\s+/g, ' ');
    for (const word of ['migrate', 'archive', 'report', 'verify']) expect(description).to.include(word);
    expect(description).not.to.include('create them, and archive aged events');
  });

  it('a misspelt option is an unknown option, with the closest name suggested, before any missing one', async () => {
    const dir = emptyDir();
    const r = await runCli(['archive', '--db', sqliteUrl(dir), '--older-then', '90'], { cwd: dir });
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include("unknown option '--older-then'");
    expect(r.stderr).to.include('Did you mean --older-than?');
    expect(r.stderr).not.to.include('required option');
  });

  it('a required option still reported missing when nothing else is wrong', async () => {
    const r = await runCli(['archive', '--db', 'sqlite:./x.db']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include("error: required option '--older-than <days>' not specified");
  });

  it('a misspelt option of a report command is unknown too', async () => {
    const r = await runCli(['report', 'html', '--db', 'sqlite:./x.db', '--ot', 'r.html']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include("unknown option '--ot'");
    expect(r.stderr).not.to.include('required option');
  });

  describe('--table X without --archive-table archives to X_archive', () => {
    it('from the flag', async () => {
      const dir = emptyDir();
      const r = await runCli(['migrate', '--db', sqliteUrl(dir), '--table', 'shop_events', '--json'], { cwd: dir });
      expect(r.code, r.stderr).to.equal(0);
      expect(JSON.parse(r.stdout)).to.include({ table: 'shop_events', archiveTable: 'shop_events_archive' });
      const dry = await runCli(
        ['archive', '--db', sqliteUrl(dir), '--table', 'shop_events', '--older-than', '1', '--dry-run'],
        { cwd: dir },
      );
      expect(dry.code, dry.stderr).to.equal(0);
      expect(dry.stdout).to.include('from shop_events to shop_events_archive');
    });

    it('from the environment and the config file; an explicit archive table still wins', async () => {
      const dir = emptyDir();
      const env = await runCli(['migrate', '--db', sqliteUrl(dir), '--json'], {
        cwd: dir,
        env: { AUDIT_EVENTS_TABLE: 'env_events' },
      });
      expect(JSON.parse(env.stdout)).to.include({ table: 'env_events', archiveTable: 'env_events_archive' });
      writeFileSync(
        join(dir, 'audit-events.config.json'),
        JSON.stringify({ db: sqliteUrl(dir), table: 'file_events' }),
      );
      const file = await runCli(['migrate', '--json'], { cwd: dir });
      expect(JSON.parse(file.stdout)).to.include({ table: 'file_events', archiveTable: 'file_events_archive' });
      const named = await runCli(['migrate', '--table', 'a_events', '--archive-table', 'old_a', '--json'], {
        cwd: dir,
      });
      expect(JSON.parse(named.stdout)).to.include({ table: 'a_events', archiveTable: 'old_a' });
    });

    it('the store names its archive the same way, so the CLI and the app agree', async () => {
      const knex = knexFactory({ client: 'sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
      try {
        expect(new KnexEventStore(knex, { tableName: 'shop_events' }).archiveTableName).to.equal('shop_events_archive');
        expect(new KnexEventStore(knex, { tableName: 'app.events' }).archiveTableName).to.equal('app.events_archive');
        expect(new KnexEventStore(knex).archiveTableName).to.equal('audit_events_archive');
      } finally {
        await knex.destroy();
      }
    });
  });

  it('an invalid table name says which characters are allowed', async () => {
    const r = await runCli(['migrate', '--db', 'sqlite:./x.db', '--table', 'shop-events']);
    expect(r.code).to.equal(3);
    expect(r.stderr).to.include('Invalid table name: "shop-events"');
    expect(r.stderr).to.include('letters, digits and _');
    expect(r.stderr).to.include('(AUDIT_BAD_IDENTIFIER)');
  });

  it("the same name for both tables is refused in the flags' terms", async () => {
    const r = await runCli(['migrate', '--db', 'sqlite:./x.db', '--table', 'shop', '--archive-table', 'shop']);
    expect(r.code).to.equal(3);
    expect(r.stderr).to.equal(
      'error: the archive table must differ from the live table (--archive-table, --table) (AUDIT_BAD_CONFIG)\n',
    );
  });

  it('an unreadable --file says its reason once', async () => {
    const r = await runCli(['report', 'denied', '--file', 'missing.ndjson']);
    expect(r.code).to.equal(3);
    expect(r.stderr.match(/ENOENT/g)).to.have.length(1);
    expect(r.stderr).to.include('missing.ndjson');
  });

  it('one batch is "1 batch", in the summary and in the progress bar', async () => {
    const dir = emptyDir();
    expect((await runCli(['migrate', '--db', sqliteUrl(dir)], { cwd: dir })).code).to.equal(0);
    const knex = knexFactory({
      client: 'sqlite3',
      connection: { filename: join(dir, 'audit.db') },
      useNullAsDefault: true,
    });
    try {
      await seed(knex, {}, 1, 10);
    } finally {
      await knex.destroy();
    }
    const r = await runCli(['archive', '--db', sqliteUrl(dir), '--older-than', '1'], { cwd: dir, tty: true });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^archived 1 event in 1 batch \(/);
    expect(r.stderr).to.include('| 1 batch |');
    expect(r.stderr).not.to.include('1 batches');
  });
});
