// When a batch's outcome is unknown (the connection died after the server committed, or while
// the statement hung), the chain's head is read back from the database before the next batch:
// the chain neither forks nor leaves a gap. Needs a network between client and server, so
// MariaDB and PostgreSQL only (SQLite always knows its outcome).
import { expect } from 'chai';
import knexFactory from 'knex';
import { StoreTimeoutError, StoreWriteError } from '@audit-events/core';
import { KnexEventStore } from '@audit-events/knex';
import { MYSQL_URL, POSTGRES_URL, forEachDialect, uniqueTable } from '../helpers/databases.js';
import { startProxy } from '../helpers/tcp-proxy.js';
import { chainRows, dropAll, makeEvent, verdicts } from './support.js';

const QUIET = { warn() {}, error() {}, deprecate() {}, debug() {} };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

forEachDialect(
  'hash chains when a write outcome is unknown',
  (ctx, dialect) => {
    const tables = [];
    let proxy;
    let viaProxy;
    afterEach(async () => {
      await viaProxy?.destroy().catch(() => {});
      await proxy?.close();
      viaProxy = undefined;
      proxy = undefined;
      await dropAll(ctx.knex, tables);
    });

    async function setup(writeTimeoutMs) {
      const tableName = uniqueTable('iunk');
      const archiveTableName = `${tableName}_arc`;
      tables.push(tableName, archiveTableName);
      await new KnexEventStore(ctx.knex, { tableName, archiveTableName }).migrate();
      const direct = new URL(dialect === 'mysql' ? MYSQL_URL : POSTGRES_URL);
      proxy = await startProxy(direct.hostname, Number(direct.port));
      viaProxy = knexFactory({
        client: dialect === 'mysql' ? 'mysql2' : 'pg',
        connection: proxy.url(direct.href),
        pool: { min: 0, max: 2 },
        acquireConnectionTimeout: 1500,
        log: QUIET,
      });
      const store = new KnexEventStore(viaProxy, {
        tableName,
        archiveTableName,
        integrity: true,
        lingerMs: 0,
        writeTimeoutMs,
      });
      return { store, tableName };
    }

    async function rowsOf(tableName, chainId) {
      return (await chainRows(ctx.knex, tableName, chainId)).map((r) => r.seq);
    }

    it('connection lost after COMMIT: the committed rows are kept in the chain, the next batch follows them', async () => {
      const { store, tableName } = await setup(10_000);
      await store.save([makeEvent(), makeEvent()]);
      proxy.swallowReplies();
      const lost = store.save([makeEvent(), makeEvent()]).then(
        () => null,
        (err) => err,
      );
      // The server commits; its answer never arrives. Then the connection dies.
      for (let i = 0; i < 200 && (await rowsOf(tableName, store.chainId)).length < 4; i++) await sleep(10);
      expect(await rowsOf(tableName, store.chainId)).to.deep.equal([1, 2, 3, 4]);
      await proxy.cut();
      const err = await lost;
      expect(err).to.be.instanceOf(StoreWriteError);
      expect(err.outcomeUnknown).to.equal(true);
      await proxy.restore();
      const before = store.stats.statements;
      await store.save([makeEvent()]);
      expect(await rowsOf(tableName, store.chainId)).to.deep.equal([1, 2, 3, 4, 5]);
      // One INSERT: the head was read back first, not found by colliding with the lost batch.
      expect(store.stats.statements - before).to.equal(1);
      expect(verdicts(await store.verify())).to.deep.equal({ [store.chainId]: 'valid' });
    });

    it('a write that hangs and times out (not committed): the next batch takes its positions', async () => {
      const { store, tableName } = await setup(800);
      await store.save([makeEvent()]);
      proxy.stall();
      const err = await store.save([makeEvent(), makeEvent()]).then(
        () => null,
        (e) => e,
      );
      expect(err).to.be.instanceOf(StoreTimeoutError);
      await proxy.restore();
      // The writer waits for the hung batch to settle; then the head is read back (still seq 1).
      const before = store.stats.statements;
      await store.save([makeEvent()]);
      expect(await rowsOf(tableName, store.chainId)).to.deep.equal([1, 2]);
      expect(store.stats.statements - before).to.equal(1);
      expect(verdicts(await store.verify())).to.deep.equal({ [store.chainId]: 'valid' });
    });
  },
  { dialects: ['mysql', 'postgres'] },
);
