// The progress bar appears on a terminal (stderr) and nowhere else.
import { expect } from 'chai';
import { forEachDialect, uniqueTable } from '../helpers/databases.js';
import { dbUrl, dropTables, runCli, seed } from './harness.js';

forEachDialect(
  'cli: progress output',
  (ctx, dialect) => {
    const table = uniqueTable('cli_prog');
    const archiveTable = `${table}_arc`;
    const args = () => ['--db', dbUrl(dialect, ctx), '--table', table, '--archive-table', archiveTable];

    before(async function () {
      const r = await runCli(['migrate', ...args()]);
      expect(r.code, r.stderr).to.equal(0);
    });
    after(async function () {
      await dropTables(ctx, table, archiveTable);
    });

    it('draws a bar on a TTY stderr, and still prints the summary on stdout', async function () {
      await seed(ctx.knex, { tableName: table, archiveTableName: archiveTable }, 50, 10);
      const r = await runCli(['archive', '--older-than', '5', '--batch-size', '10', ...args()], { tty: true });
      expect(r.code).to.equal(0);
      expect(r.stderr).to.include('archiving [');
      expect(r.stderr).to.include('50/50 events');
      expect(r.stderr).to.include('5 batches');
      expect(r.stdout).to.match(/^archived 50 events in 5 batches/);
    });

    it('prints no bar when stderr is not a terminal, or with --json', async function () {
      await seed(ctx.knex, { tableName: table, archiveTableName: archiveTable }, 20, 10);
      const plain = await runCli(['archive', '--older-than', '5', '--batch-size', '10', '--dry-run', ...args()]);
      expect(plain.stderr).to.equal('');
      const json = await runCli(['archive', '--older-than', '5', '--batch-size', '10', '--json', ...args()], {
        tty: true,
      });
      expect(json.code).to.equal(0);
      expect(json.stderr).to.equal('');
      expect(JSON.parse(json.stdout)).to.include({ archived: 20, batches: 2 });
    });
  },
  { dialects: ['sqlite'] },
);
