// The connection dies after the server committed but before its answer arrived: the one failure
// whose outcome no client can know. Made deterministic with the proxy: requests pass, replies are
// swallowed, then the connection is cut.
// - The store must not say "not stored" (it used to: StoreWriteError for rows that were there);
//   it says outcomeUnknown, and the row is indeed there.
// - The buffered database logger retries, and its rows carry the decision's unique event_id: the
//   retry stores nothing twice (ON CONFLICT DO NOTHING / ON DUPLICATE KEY; with a hash chain the
//   stored rows are left out before stamping), so each decision is stored exactly once, never lost
//   and never counted as failed, and a chain stays contiguous and valid.
// SQLite runs in-process, where no answer can be lost; there the reply of the committed INSERT is
// replaced by an error (thrown from knex's query-response event, after the real database committed).
import { expect } from 'chai';
import knexFactory from 'knex';
import { createPermissionAuditEvent, newEventId } from '@audit-events/core';
import {
  DatabaseAuditLogger,
  ensurePermissionAuditTable,
  KnexEventStore,
  verifyPermissionLog,
} from '@audit-events/knex';
import { forEachDialect, knexConfig, MYSQL_URL, POSTGRES_URL, uniqueTable } from '../helpers/databases.js';
import { startProxy } from '../helpers/tcp-proxy.js';
import { dropTables, permissionRows } from './support.js';

/** How many rows each decision (metadata.n) has, and whether every row has its own event_id. */
async function copiesByN(knex, table) {
  const rows = await permissionRows(knex, table);
  const copies = {};
  for (const row of rows) copies[row.metadata.n] = (copies[row.metadata.n] ?? 0) + 1;
  expect(new Set(rows.map((row) => row.event_id)).size, 'distinct event ids').to.equal(rows.length);
  expect(rows.every((row) => typeof row.event_id === 'string' && row.event_id.length === 36)).to.equal(true);
  return copies;
}

function verdicts(report) {
  return Object.fromEntries(report.chains.map((c) => [c.chainId, c.valid ? 'valid' : `${c.reason}@${c.firstBadSeq}`]));
}

const QUIET = { warn() {}, error() {}, debug() {}, deprecate() {} };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const event = (n) => ({
  id: newEventId(),
  createdAt: new Date(),
  contentType: 'Order',
  objectId: String(n),
  content: { n },
});

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

    for (const integrity of [false, true]) {
      it(`database logger${integrity ? ' with a hash chain' : ''}: the batch is retried after the restore and stored exactly once, never lost or counted failed`, async () => {
        const permTable = uniqueTable('rl_ackperm');
        tables.push(permTable);
        await ensurePermissionAuditTable(ctx.knex, permTable, { chainColumns: integrity });
        const logger = new DatabaseAuditLogger({
          knex: viaProxy,
          tableName: permTable,
          integrity: integrity ? { chainId: 'ack' } : undefined,
          flushInterval: 5,
          retryDelay: 20,
          maxRetryDelay: 100,
          maxRetries: 20,
        });
        const record = (n) =>
          logger.record(createPermissionAuditEvent({ action: 'read', granted: true, metadata: { n } }));
        record(0);
        await logger.flush();
        proxy.swallowReplies();
        record(1);
        await sleep(300); // the INSERT reached the server and committed; its answer went nowhere
        await proxy.cut();
        await sleep(100);
        await proxy.restore();
        await logger.flush();
        record(2); // the chain continues after the retried batch, from the row really stored
        await logger.close();
        expect(await copiesByN(ctx.knex, permTable), 'copies of each decision').to.deep.equal({ 0: 1, 1: 1, 2: 1 });
        expect({
          written: logger.writtenCount,
          failed: logger.failedCount,
          dropped: logger.droppedCount,
        }).to.deep.equal({ written: 3, failed: 0, dropped: 0 });
        if (integrity) {
          expect(verdicts(await verifyPermissionLog(ctx.knex, { tableName: permTable }))).to.deep.equal({
            ack: 'valid',
          });
          const seqs = (await ctx.knex(permTable).orderBy('seq').select('seq')).map((r) => Number(r.seq));
          expect(seqs).to.deep.equal([1, 2, 3]);
        }
      });
    }
  },
  { dialects: ['mysql', 'postgres'] },
);

forEachDialect(
  'reliability: acknowledgement lost after commit',
  (ctx) => {
    const tables = [];
    let faulty;
    afterEach(async () => {
      if (faulty) await dropTables(faulty, tables);
      await faulty?.destroy();
      faulty = undefined;
    });

    for (const integrity of [false, true]) {
      it(`database logger${integrity ? ' with a hash chain' : ''}: the committed INSERT's answer replaced by an error: retried, stored exactly once`, async () => {
        const permTable = uniqueTable('rl_ackperm');
        tables.push(permTable);
        let loseNext = false;
        let lost = 0;
        faulty = knexFactory(knexConfig(ctx.driver === 'better-sqlite3' ? 'better-sqlite3' : 'sqlite'));
        // knex reports each finished statement with a `query-response` event, inside the query's
        // promise chain (as the writers' direct INSERTs do): a listener throwing there after the
        // INSERT ran (autocommit: committed) is what a client sees when its answer never arrives.
        faulty.on('query-response', (_response, query) => {
          if (loseNext && query.sql.startsWith('insert into') && query.sql.includes(permTable)) {
            loseNext = false;
            lost++;
            throw Object.assign(new Error('Connection lost: the server closed the connection.'), {
              code: 'PROTOCOL_CONNECTION_LOST',
            });
          }
        });
        await ensurePermissionAuditTable(faulty, permTable, { chainColumns: integrity });
        const logger = new DatabaseAuditLogger({
          knex: faulty,
          tableName: permTable,
          integrity: integrity ? { chainId: 'ack' } : undefined,
          flushInterval: 5,
          retryDelay: 20,
          maxRetries: 5,
          flushOnExit: false,
          handleSignals: false,
        });
        const record = (n) =>
          logger.record(createPermissionAuditEvent({ action: 'read', granted: true, metadata: { n } }));
        record(0);
        await logger.flush();
        loseNext = true;
        record(1);
        record(2);
        await logger.flush();
        record(3);
        await logger.close();
        expect(lost, 'answers lost').to.equal(1);
        expect(await copiesByN(faulty, permTable), 'copies of each decision').to.deep.equal({ 0: 1, 1: 1, 2: 1, 3: 1 });
        expect({ written: logger.writtenCount, failed: logger.failedCount }).to.deep.equal({ written: 4, failed: 0 });
        if (integrity) {
          expect(verdicts(await verifyPermissionLog(faulty, { tableName: permTable }))).to.deep.equal({ ack: 'valid' });
          const seqs = (await faulty(permTable).orderBy('seq').select('seq')).map((r) => Number(r.seq));
          expect(seqs).to.deep.equal([1, 2, 3, 4]);
        }
      });
    }
  },
  { dialects: ['sqlite', 'better-sqlite3'] },
);
