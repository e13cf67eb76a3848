// The connection dies after the server committed but before its answer arrived: the one failure
// whose outcome no client can know. Made deterministic with the proxy: requests pass, replies are
// swallowed, then the connection is cut.
// - The store must not say "not stored" (it used to: StoreWriteError for rows that were there);
//   it says outcomeUnknown, and the row is indeed there.
// - The buffered database logger retries (at-least-once): the event is stored, possibly twice;
//   it is never lost and never counted as failed.
import { expect } from 'chai';
import knexFactory from 'knex';
import { createPermissionAuditEvent, newEventId } from '@audit-events/core';
import { DatabaseAuditLogger, ensurePermissionAuditTable, KnexEventStore } from '@audit-events/knex';
import { forEachDialect, MYSQL_URL, POSTGRES_URL, uniqueTable } from '../helpers/databases.js';
import { startProxy } from '../helpers/tcp-proxy.js';
import { dropTables, permissionRows } from './support.js';

const QUIET = { warn() {}, error() {}, debug() {}, deprecate() {} };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const event = (n) => ({ id: newEventId(), createdAt: new Date(), contentType: 'Order', objectId: String(n), content: { n } });

forEachDialect(
  'reliability: acknowledgement lost after commit',
  (ctx, dialect) => {
    const tables = [];
    let proxy;
    let viaProxy;
    beforeEach(async () => {
      const direct = new URL(dialect === 'mysql' ? MYSQL_URL : POSTGRES_URL);
      proxy = await startProxy(direct.hostname, Number(direct.port));
      viaProxy = knexFactory({
        client: dialect === 'mysql' ? 'mysql2' : 'pg',
        connection: proxy.url(direct.href),
        pool: { min: 0, max: 2 },
        acquireConnectionTimeout: 2000,
        log: QUIET,
      });
    });
    afterEach(async () => {
      await viaProxy.destroy();
      await proxy.close();
      await dropTables(ctx.knex, tables);
    });

    it('store: the caller is told the outcome is unknown (not "not stored"), and the row is there', async () => {
      const tableName = uniqueTable('rl_ack');
      tables.push(tableName, `${tableName}_arc`);
      await new KnexEventStore(ctx.knex, { tableName, archiveTableName: `${tableName}_arc` }).migrate();
      const store = new KnexEventStore(viaProxy, { tableName, archiveTableName: `${tableName}_arc` });
      await store.save([event(0)]); // connection and dialect probe established
      proxy.swallowReplies();
      const lost = event(1);
      const saving = store.save([lost]).then(
        () => null,
        (e) => e,
      );
      await sleep(300); // the INSERT reached the server and committed; its answer went nowhere
      await proxy.cut();
      const err = await saving;
      expect(err?.code, err?.message).to.equal('AUDIT_STORE_WRITE_FAILED');
      expect(err.outcomeUnknown).to.equal(true);
      expect(err.message).to.match(/outcome is unknown/);
      const ids = (await ctx.knex(tableName).select('id')).map((r) => r.id.trim());
      expect(ids).to.include(lost.id);
      expect(store.stats).to.include({ failedEvents: 1, outcomeUnknownEvents: 1 });
    });

    it('database logger: the batch is retried after the restore: stored at least once, never lost or counted failed', async function () {
      const permTable = uniqueTable('rl_ackperm');
      tables.push(permTable);
      await ensurePermissionAuditTable(ctx.knex, permTable);
      const logger = new DatabaseAuditLogger({ knex: viaProxy, tableName: permTable, flushInterval: 5, retryDelay: 20, maxRetryDelay: 100, maxRetries: 20 });
      const record = (n) => logger.record(createPermissionAuditEvent({ action: 'read', granted: true, metadata: { n } }));
      record(0);
      await logger.flush();
      proxy.swallowReplies();
      record(1);
      await sleep(300);
      await proxy.cut();
      await sleep(100);
      await proxy.restore();
      await logger.close();
      const copies = (await permissionRows(ctx.knex, permTable)).filter((row) => row.metadata.n === 1).length;
      expect(copies, 'copies of the event whose acknowledgement was lost').to.be.at.least(1);
      expect({ written: logger.writtenCount, failed: logger.failedCount, dropped: logger.droppedCount }).to.deep.equal({ written: 2, failed: 0, dropped: 0 });
      this.test.title += ` [${copies} cop${copies === 1 ? 'y' : 'ies'} stored]`;
    });
  },
  { dialects: ['mysql', 'postgres'] },
);
