// The database goes away in the middle of an archive: exit 4, a message saying how much was
// committed, and every event still in exactly one table.
import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { forEachDialect, MYSQL_URL, POSTGRES_URL, uniqueTable } from '../helpers/databases.js';
import { countRows, dropTables, runCli, seed, spawnBin } from './harness.js';
import { startProxy } from './tcp-proxy.js';

const ROWS = 4000;
const BATCH = 10;

forEachDialect(
  'cli: connection lost mid-archive',
  (ctx, dialect) => {
    const table = uniqueTable('cli_cut');
    const archiveTable = `${table}_arc`;
    let proxy;
    after(async function () {
      await proxy?.close();
      await dropTables(ctx, table, archiveTable);
    });

    it('exits 4, says what was committed, and loses nothing', async function () {
      const direct = new URL(dialect === 'mysql' ? MYSQL_URL : POSTGRES_URL);
      proxy = await startProxy(direct.hostname, Number(direct.port));
      const viaProxy = new URL(direct.href);
      viaProxy.port = String(proxy.port);
      const args = ['--db', viaProxy.href, '--table', table, '--archive-table', archiveTable];
      expect((await runCli(['migrate', ...args])).code).to.equal(0);
      await seed(ctx.knex, { tableName: table, archiveTableName: archiveTable }, ROWS, 60);

      const { done } = spawnBin(['archive', '--older-than', '30', '--batch-size', String(BATCH), ...args]);
      let finished = false;
      done.then(() => (finished = true));
      // Wait for a second batch: a batch only starts once the previous COMMIT was acknowledged, so
      // the CLI then knows of at least one. Cutting right after the first COMMIT could land between
      // the server committing it and the CLI hearing so (seen once on MariaDB).
      while (!finished && (await countRows(ctx.knex, archiveTable)) <= BATCH) await sleep(5);
      expect(finished, 'the archive was still running when the connection was cut').to.equal(false);
      proxy.cut();
      const r = await done;

      expect(r.code, r.stderr).to.equal(4);
      expect(r.stderr).to.match(
        /^\d+ events? in \d+ committed batch(es)? were archived before the failure and stay archived/m,
      );
      expect(r.stderr).to.match(/^error: .*\((AUDIT_ARCHIVE_FAILED|AUDIT_DB_UNREACHABLE)\)$/m);
      const live = await countRows(ctx.knex, table);
      const archived = await countRows(ctx.knex, archiveTable);
      expect(live + archived).to.equal(ROWS);
      expect(archived).to.be.above(0);
    });
  },
  { dialects: ['mysql', 'postgres'] },
);
