// migrate and archive against real databases, in-process through run(), on every dialect.
import { expect } from 'chai';
import { forEachDialect, uniqueTable } from '../helpers/databases.js';
import { DAY_MS, countRows, dbUrl, dropTables, runCli, seed } from './harness.js';

const SUMMARY =
  /^archived (\d+) events? in (\d+) batch(?:es)? \(cutoff (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z), (\d+) remaining\)\n$/;

forEachDialect('cli: migrate and archive', (ctx, dialect) => {
  const table = uniqueTable('cli_ev');
  const archiveTable = `${table}_arc`;
  const tables = { tableName: table, archiveTableName: archiveTable };
  let db;
  const tableArgs = () => ['--db', db, '--table', table, '--archive-table', archiveTable];

  before(function () {
    db = dbUrl(dialect, ctx);
  });
  after(async function () {
    await dropTables(ctx, table, archiveTable);
  });

  it('migrate creates both swapped tables, and is idempotent', async function () {
    const first = await runCli(['migrate', ...tableArgs()]);
    expect(first.stderr).to.equal('');
    expect(first.code).to.equal(0);
    expect(first.stdout).to.match(
      new RegExp(`^migrated ${table} and ${archiveTable} on ${dialect === 'sqlite' ? 'sqlite:/' : '\\w+://'}`),
    );
    expect(await ctx.knex.schema.hasTable(table)).to.equal(true);
    expect(await ctx.knex.schema.hasTable(archiveTable)).to.equal(true);

    const again = await runCli(['migrate', ...tableArgs(), '--json']);
    expect(again.code).to.equal(0);
    expect(JSON.parse(again.stdout)).to.include({ command: 'migrate', ok: true, table, archiveTable });
  });

  it('--dry-run counts the aged events and moves nothing', async function () {
    await seed(ctx.knex, tables, 30, 40);
    await seed(ctx.knex, tables, 20, 1);
    const r = await runCli(['archive', '--older-than', '30', '--dry-run', ...tableArgs()]);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(
      new RegExp(
        `^dry run: 30 events older than \\S+Z would be archived from ${table} to ${archiveTable}; nothing was moved\\n$`,
      ),
    );
    expect(await countRows(ctx.knex, table)).to.equal(50);
    expect(await countRows(ctx.knex, archiveTable)).to.equal(0);
  });

  it('archive moves exactly the aged events in batches and prints one summary line', async function () {
    const before = Date.now();
    const r = await runCli(['archive', '--older-than', '30', '--batch-size', '7', ...tableArgs()]);
    const afterRun = Date.now();
    expect(r.stderr).to.equal('');
    expect(r.code).to.equal(0);
    const m = SUMMARY.exec(r.stdout);
    expect(m, r.stdout).to.not.equal(null);
    expect(Number(m[1])).to.equal(30);
    expect(Number(m[2])).to.equal(5); // ceil(30 / 7)
    expect(Number(m[4])).to.equal(0);
    const cutoff = Date.parse(m[3]);
    expect(cutoff).to.be.within(before - 30 * DAY_MS, afterRun - 30 * DAY_MS);
    expect(await countRows(ctx.knex, table)).to.equal(20);
    expect(await countRows(ctx.knex, archiveTable)).to.equal(30);
  });

  it('--json prints a machine-readable summary', async function () {
    await seed(ctx.knex, tables, 12, 3);
    const r = await runCli(['archive', '--older-than', '2.5', '--batch-size', '5', '--json', ...tableArgs()]);
    expect(r.code).to.equal(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).to.include({
      command: 'archive',
      ok: true,
      dryRun: false,
      archived: 12,
      batches: 3,
      remaining: 0,
      olderThanDays: 2.5,
      batchSize: 5,
      interrupted: null,
      table,
      archiveTable,
    });
    expect(Date.parse(doc.cutoff)).to.be.closeTo(Date.now() - 2.5 * DAY_MS, 60_000);
    expect(await countRows(ctx.knex, table)).to.equal(20);
    expect(await countRows(ctx.knex, archiveTable)).to.equal(42);
  });

  it('a re-run with nothing to archive reports zero and exits 0', async function () {
    const r = await runCli(['archive', '--older-than', '2', ...tableArgs()]);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/^archived 0 events in 0 batches \(cutoff \S+, 0 remaining\)\n$/);
  });

  it('reads the database and tables from AUDIT_EVENTS_DB / AUDIT_EVENTS_TABLE / AUDIT_EVENTS_ARCHIVE_TABLE', async function () {
    const env = { AUDIT_EVENTS_DB: db, AUDIT_EVENTS_TABLE: table, AUDIT_EVENTS_ARCHIVE_TABLE: archiveTable };
    const r = await runCli(['archive', '--older-than', '0', '--dry-run', '--json'], { env });
    expect(r.code).to.equal(0);
    expect(JSON.parse(r.stdout)).to.include({ dryRun: true, archived: 0, remaining: 20, table, archiveTable });
  });

  it('archive on tables that were never migrated exits 4 and says to migrate', async function () {
    const missing = uniqueTable('cli_none');
    const r = await runCli([
      'archive',
      '--older-than',
      '1',
      '--db',
      db,
      '--table',
      missing,
      '--archive-table',
      `${missing}_arc`,
    ]);
    expect(r.code).to.equal(4);
    expect(r.stderr).to.include('run `audit-events migrate` first');
  });
});

forEachDialect(
  'cli: default table names',
  (ctx, dialect) => {
    it('migrate without --table uses audit_events / audit_events_archive', async function () {
      const r = await runCli(['migrate', '--db', dbUrl(dialect, ctx)]);
      expect(r.code).to.equal(0);
      expect(r.stdout).to.match(/^migrated audit_events and audit_events_archive on sqlite:\//);
      expect(await ctx.knex.schema.hasTable('audit_events')).to.equal(true);
      expect(await ctx.knex.schema.hasTable('audit_events_archive')).to.equal(true);
    });
  },
  // Only on SQLite: its database is a private temp file, while MySQL and PostgreSQL are shared.
  { dialects: ['sqlite'] },
);
