// Two `audit-events archive` processes at once (overlapping cron runs, two pods): they share the
// work, and every event ends up in the archive exactly once.
import { expect } from 'chai';
import { forEachDialect, uniqueTable } from '../helpers/databases.js';
import { countRows, dbUrl, dropTables, runCli, seed, spawnBin } from './harness.js';

const ROWS = 3000;

forEachDialect('cli: two archive processes at once', (ctx, dialect) => {
  const table = uniqueTable('cli_two');
  const archiveTable = `${table}_arc`;
  after(async function () {
    await dropTables(ctx, table, archiveTable);
  });

  it('neither duplicates nor loses an event, and the reported counts add up', async function () {
    const args = ['--db', dbUrl(dialect, ctx), '--table', table, '--archive-table', archiveTable];
    const migrated = await runCli(['migrate', ...args]);
    expect(migrated.code, migrated.stderr).to.equal(0);
    await seed(ctx.knex, { tableName: table, archiveTableName: archiveTable }, ROWS, 45);

    const runs = await Promise.all(
      [1, 2].map(() => spawnBin(['archive', '--older-than', '30', '--batch-size', '25', '--json', ...args]).done),
    );
    const docs = runs.map((r) => {
      expect(r.code, r.stderr).to.equal(0);
      return JSON.parse(r.stdout);
    });
    expect(docs[0].archived + docs[1].archived, 'each event counted by exactly one run').to.equal(ROWS);
    expect(await countRows(ctx.knex, table)).to.equal(0);
    expect(await countRows(ctx.knex, archiveTable)).to.equal(ROWS);
    const [{ n }] = await ctx.knex(archiveTable).countDistinct({ n: 'id' });
    expect(Number(n), 'no id archived twice').to.equal(ROWS);
  });
});
