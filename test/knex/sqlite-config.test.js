import { expect } from 'chai';
import { join } from 'node:path';
import knexFactory from 'knex';
import { ConfigurationError } from '@audit-events/core';
import { KnexEventStore, sqliteKnexConfig } from '@audit-events/knex';
import { tempDir, uniqueTable } from '../helpers/databases.js';
import { makeEvents } from './support.js';

function freshFile() {
  return join(tempDir(), `${uniqueTable('embedded')}.sqlite`);
}

describe('sqliteKnexConfig (the embedded default)', () => {
  const open = [];
  afterEach(async () => {
    for (const knex of open.splice(0)) await knex.destroy();
  });
  function connect(config) {
    const knex = knexFactory(config);
    open.push(knex);
    return knex;
  }

  for (const driver of ['sqlite3', 'better-sqlite3']) {
    it(`sets WAL, a busy timeout, foreign keys and synchronous=FULL on every connection (${driver})`, async () => {
      const knex = connect(sqliteKnexConfig(freshFile(), driver === 'sqlite3' ? {} : { driver }));
      expect(knex.client.config.client).to.equal(driver);
      expect((await knex.raw('pragma journal_mode'))[0].journal_mode).to.equal('wal');
      expect((await knex.raw('pragma busy_timeout'))[0]).to.deep.equal({ timeout: 5000 });
      expect((await knex.raw('pragma foreign_keys'))[0].foreign_keys).to.equal(1);
      // 2 = FULL: better-sqlite3's own build default in WAL mode is NORMAL (no fsync per commit).
      expect((await knex.raw('pragma synchronous'))[0].synchronous).to.equal(2);
      expect(knex.client.config.useNullAsDefault).to.equal(true);
    });
  }

  it('better-sqlite3: your afterCreate runs after the pragmas', async () => {
    let seenTimeout;
    const knex = connect(
      sqliteKnexConfig(freshFile(), {
        driver: 'better-sqlite3',
        busyTimeoutMs: 4321,
        pool: {
          afterCreate(conn, done) {
            seenTimeout = conn.pragma('busy_timeout', { simple: true });
            done(null, conn);
          },
        },
      }),
    );
    await knex.raw('select 1');
    expect(seenTimeout).to.equal(4321);
  });

  it('merges overrides and runs your afterCreate after its pragmas', async () => {
    let seenTimeout;
    const knex = connect(
      sqliteKnexConfig(freshFile(), {
        busyTimeoutMs: 1234,
        pool: {
          afterCreate(conn, done) {
            conn.get('pragma busy_timeout', (err, row) => {
              seenTimeout = row?.timeout;
              done(err, conn);
            });
          },
        },
      }),
    );
    await knex.raw('select 1');
    expect(seenTimeout).to.equal(1234);
  });

  it('rejects a missing filename or a bad busy timeout', () => {
    expect(() => sqliteKnexConfig('')).to.throw(ConfigurationError);
    expect(() => sqliteKnexConfig(undefined)).to.throw(ConfigurationError);
    expect(() => sqliteKnexConfig('x.db', { busyTimeoutMs: -5 })).to.throw(ConfigurationError);
    expect(() => sqliteKnexConfig('x.db', { driver: 'sqlite' })).to.throw(ConfigurationError, /driver/);
  });

  it('lets two knex instances write to one file at once without SQLITE_BUSY', async () => {
    const file = freshFile();
    const a = connect(sqliteKnexConfig(file));
    const b = connect(sqliteKnexConfig(file));
    const tableName = uniqueTable('ae');
    const options = { tableName, archiveTableName: `${tableName}_arc`, lingerMs: 0, batchSize: 5 };
    const storeA = new KnexEventStore(a, options);
    const storeB = new KnexEventStore(b, options);
    await storeA.migrate();
    await storeB.migrate(); // a second migrator on the same file is a no-op too
    // Many small batches from both sides, interleaved: every one must wait its turn, not fail.
    const writes = [];
    for (let i = 0; i < 40; i++) {
      writes.push(storeA.save(makeEvents(3)));
      writes.push(storeB.save(makeEvents(3)));
    }
    const results = await Promise.allSettled(writes);
    expect(results.filter((r) => r.status === 'rejected').map((r) => r.reason.message)).to.deep.equal([]);
    expect(storeA.stats.batches).to.be.greaterThan(1);
    expect(storeB.stats.batches).to.be.greaterThan(1);
    const [{ n }] = await a(tableName).count({ n: '*' });
    expect(Number(n)).to.equal(240);
  });
});
