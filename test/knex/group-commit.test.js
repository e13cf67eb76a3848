import { expect } from 'chai';
import knexFactory from 'knex';
import { StoreClosedError, StoreTimeoutError, StoreWriteError } from '@audit-events/core';
import { sqliteKnexConfig } from '@audit-events/knex';
import { forEachDialect, knexConfig } from '../helpers/databases.js';
import { countQueries, dropAll, idsOf, insertsInto, makeEvent, makeEvents, openStore } from './support.js';

// Built-in columns bound per row: 15, plus actor_type and outcome (issue 17: always written); the
// integrity columns and the null tenant_id/action/reason are left out of a batch that has no value.
const COLUMNS = 17;

forEachDialect('Group commit', (ctx, dialect) => {
  const tables = [];
  afterEach(() => dropAll(ctx.knex, tables));

  it('coalesces concurrent saves into far fewer INSERTs than events', async () => {
    const store = await openStore(ctx.knex, tables);
    const inserts = countQueries(ctx.knex, insertsInto(store.tableName));
    const events = makeEvents(200);
    try {
      // 200 callers at once, like 200 requests finishing together.
      await Promise.all(events.map((e) => store.save([e])));
    } finally {
      inserts.stop();
    }
    expect(inserts.count).to.be.greaterThan(0).and.lessThan(20);
    expect(store.stats).to.include({ events: 200, failedBatches: 0, failedEvents: 0, pendingEvents: 0 });
    expect(store.stats.batches).to.equal(inserts.count);
    expect((await idsOf(ctx.knex, store.tableName)).sort()).to.deep.equal(events.map((e) => e.id).sort());
  });

  it('leaves no timer behind once every save has settled (a script can exit)', async () => {
    const store = await openStore(ctx.knex, tables, { writeTimeoutMs: 60_000, lingerMs: 5 });
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const saving = Promise.all(makeEvents(30).map((e) => store.save([e])));
    expect(timers()).to.be.above(before); // the write deadline (and the linger) while saves wait
    await saving;
    await new Promise((r) => setImmediate(r));
    expect(timers()).to.equal(before);
  });

  it('keeps the event loop turning while saves keep coming (timers and I/O are not starved)', async () => {
    // Found with better-sqlite3, which answers synchronously: one batch started the next from
    // its promise chain, so 20 savers that never paused ran on microtasks alone.
    const store = await openStore(ctx.knex, tables, { batchSize: 10 });
    let stop = false;
    const savers = Array.from({ length: 20 }, async () => {
      while (!stop) await store.save([makeEvent()]);
    });
    const set = performance.now();
    const late = await new Promise((resolve) => setTimeout(() => resolve(performance.now() - set - 20), 20));
    stop = true;
    await Promise.all(savers);
    expect(late, 'ms the timer fired late').to.be.below(250);
    expect(store.stats.batches).to.be.greaterThan(1);
  });

  it('bounds each batch by batchSize without splitting a caller', async () => {
    const store = await openStore(ctx.knex, tables, { batchSize: 10 });
    const inserts = countQueries(ctx.knex, insertsInto(store.tableName));
    try {
      await Promise.all([
        ...makeEvents(40).map((e) => store.save([e])),
        store.save(makeEvents(25)), // bigger than a batch: written whole, alone
        ...makeEvents(3).map((e) => store.save([e])),
      ]);
    } finally {
      inserts.stop();
    }
    const rowsPerInsert = inserts.queries.map((q) => q.bindings.length / COLUMNS);
    expect(rowsPerInsert).to.include(25);
    for (const n of rowsPerInsert.filter((n) => n !== 25)) expect(n).to.be.at.most(10);
    expect(rowsPerInsert.reduce((a, b) => a + b, 0)).to.equal(68);
    expect(store.stats.events).to.equal(68);
  });

  it('splits a batch into several statements at the bind-parameter limit, in one transaction', async () => {
    const store = await openStore(ctx.knex, tables, { maxBindParameters: COLUMNS * 7 });
    const inserts = countQueries(ctx.knex, insertsInto(store.tableName));
    const events = makeEvents(50);
    try {
      await store.save(events);
    } finally {
      inserts.stop();
    }
    expect(inserts.queries.map((q) => q.bindings.length / COLUMNS)).to.deep.equal([7, 7, 7, 7, 7, 7, 7, 1]);
    expect(store.stats).to.include({ batches: 1, statements: 8, events: 50 });
    expect((await idsOf(ctx.knex, store.tableName)).length).to.equal(50);
  });

  it('never waits for a second connection: split batches and reads work with a pool of one', async () => {
    const single = sideKnex(1, 5000);
    try {
      const store = await openStore(single, tables, { maxBindParameters: COLUMNS * 3 });
      const writes = [store.save(makeEvents(10)), store.save(makeEvents(10))];
      const reads = [store.find({ limit: 5 }), store.find({ limit: 5 })];
      await Promise.all([...writes, ...reads]);
      expect(store.stats.events).to.equal(20);
      expect(store.stats.statements).to.be.at.least(7);
      expect((await store.find({ limit: 100 })).events).to.have.length(20);
    } finally {
      await single.destroy();
    }
  });

  it("respects the dialect's real limit: 5000 events in one save()", async () => {
    const store = await openStore(ctx.knex, tables);
    const inserts = countQueries(ctx.knex, insertsInto(store.tableName));
    const events = makeEvents(5000, { stepMs: 1 });
    try {
      await store.save(events);
    } finally {
      inserts.stop();
    }
    const limit = dialect === 'sqlite' ? 32766 : 65535;
    for (const q of inserts.queries) expect(q.bindings.length).to.be.at.most(limit);
    expect(inserts.count).to.equal(Math.ceil(5000 / Math.floor(limit / COLUMNS)));
    const [{ n }] = await ctx.knex(store.tableName).count({ n: '*' });
    expect(Number(n)).to.equal(5000);
  });

  it('drains a burst of 5000 queued single-event saves batch by batch, each event exactly once', async () => {
    // Thousands of callers queued at once: the writer's queue drops its consumed prefix as it goes
    // (no O(n) shift per batch), and no caller may be lost or written twice on the way.
    const store = await openStore(ctx.knex, tables, { batchSize: 100 });
    const events = makeEvents(5000, { stepMs: 1 });
    await Promise.all(events.map((e) => store.save([e])));
    expect(store.stats).to.include({ events: 5000, batches: 50, failedEvents: 0, pendingEvents: 0 });
    const ids = await idsOf(ctx.knex, store.tableName);
    expect(ids).to.have.length(5000);
    expect(ids.sort()).to.deep.equal(events.map((e) => e.id).sort());
  });

  it('callers answered by a commit rejoin the next batch (rejoinMs): each event stored exactly once', async () => {
    // Savers that, like an app's clients, save again once answered, after a round trip through
    // the event loop: their saves are held for the next batch until they are back.
    const store = await openStore(ctx.knex, tables, { rejoinMs: 50 });
    const saved = [];
    const savers = Array.from({ length: 20 }, async () => {
      for (let i = 0; i < 10; i++) {
        const event = makeEvent();
        await store.save([event]);
        saved.push(event.id);
        await new Promise((resolve) => setImmediate(resolve));
      }
    });
    await Promise.all(savers);
    expect(store.stats).to.include({ events: 200, failedEvents: 0, pendingEvents: 0, timedOutEvents: 0 });
    expect(store.stats.batches).to.be.below(40);
    expect((await idsOf(ctx.knex, store.tableName)).sort()).to.deep.equal(saved.sort());
  });

  it('stores nothing of a split batch when a later statement fails', async () => {
    const store = await openStore(ctx.knex, tables, { maxBindParameters: COLUMNS * 5 });
    const existing = makeEvent();
    await store.save([existing]);
    const events = [...makeEvents(20), { ...existing, objectId: 'dup' }];
    const err = await store.save(events).catch((e) => e);
    expect(err).to.be.instanceOf(StoreWriteError);
    expect(await idsOf(ctx.knex, store.tableName)).to.deep.equal([existing.id]);
  });

  it('rejects every caller of a failed batch with StoreWriteError (duplicate id)', async () => {
    const store = await openStore(ctx.knex, tables, { lingerMs: 20 });
    const existing = makeEvent();
    await store.save([existing]);
    const callers = [...makeEvents(9).map((e) => [e]), [{ ...existing }]];
    const results = await Promise.allSettled(callers.map((events) => store.save(events)));
    for (const result of results) {
      expect(result.status).to.equal('rejected');
      expect(result.reason).to.be.instanceOf(StoreWriteError);
      expect(result.reason.eventCount).to.equal(1);
      expect(result.reason.cause).to.be.instanceOf(Error);
    }
    expect(store.stats).to.include({ failedBatches: 1, failedEvents: 10, events: 1 });
    expect(await idsOf(ctx.knex, store.tableName)).to.deep.equal([existing.id]);
    // The writer carries on after a failed batch.
    await store.save([makeEvent()]);
    expect(store.stats.events).to.equal(2);
  });

  it('rejects every caller when the table is gone', async () => {
    const store = await openStore(ctx.knex, tables);
    await store.save([makeEvent()]);
    await ctx.knex.schema.dropTable(store.tableName);
    const secret = 'PII-user@example.com-203.0.113.99';
    const results = await Promise.allSettled(makeEvents(5, { userRepr: secret }).map((e) => store.save([e])));
    expect(results.map((r) => r.status)).to.deep.equal(Array(5).fill('rejected'));
    for (const r of results) {
      expect(r.reason).to.be.instanceOf(StoreWriteError);
      // knex puts the SQL with every value into driver errors: the store keeps them out of logs.
      expect(r.reason.message).to.not.include(secret);
      expect(r.reason.cause.message).to.not.include(secret);
      expect(r.reason.message).to.match(/no such table|exist/);
    }
    expect(store.stats.failedEvents).to.equal(5);
  });

  it('close() writes what is pending; later saves reject with StoreClosedError', async () => {
    const store = await openStore(ctx.knex, tables, { lingerMs: 1000 });
    const events = makeEvents(20);
    const pending = events.map((e) => store.save([e]));
    await store.close();
    await Promise.all(pending); // all resolved by the close, not by the 1 s linger
    expect((await idsOf(ctx.knex, store.tableName)).length).to.equal(20);
    const err = await store.save([makeEvent()]).catch((e) => e);
    expect(err).to.be.instanceOf(StoreClosedError);
    expect(err.code).to.equal('AUDIT_STORE_CLOSED');
    await store.close(); // twice is fine
    expect((await store.find({})).events).to.have.length(20); // the knex instance is still the caller's
  });

  /** Runs `body(release)` while another connection holds `lock` in an open transaction. */
  async function whileLocked(knex, lock, body) {
    let release;
    const held = new Promise((resolve) => (release = resolve));
    let locked;
    const ready = new Promise((resolve) => (locked = resolve));
    const holder = knex
      .transaction(async (trx) => {
        await lock(trx);
        locked();
        await held;
        throw new Error('roll back');
      })
      .catch(() => {});
    try {
      await ready;
      return await body(release);
    } finally {
      release();
      await holder;
    }
  }

  /** A second knex on the same database, with room for exactly `max` connections. */
  function sideKnex(max, busyTimeoutMs) {
    if (dialect !== 'sqlite') return knexFactory(knexConfig(dialect, { pool: { min: 0, max } }));
    return knexFactory(
      sqliteKnexConfig(ctx.knex.client.config.connection.filename, { busyTimeoutMs, driver: ctx.driver }),
    );
  }

  if (ctx.driver === 'better-sqlite3') {
    // better-sqlite3 waits for a lock on the calling thread: no timer can fire before the busy
    // timeout ends, so the caller hears "not stored" (SQLITE_BUSY, nothing committed) rather than
    // a timeout. The store must still say so, count it and recover.
    it('a lock held past the busy timeout fails the batch as not stored (the thread waited), then recovers', async () => {
      const storeKnex = sideKnex(1, 400);
      try {
        const store = await openStore(storeKnex, tables, { writeTimeoutMs: 100 });
        const lock = (trx) => trx.raw(`update "${store.tableName}" set id = id where 0`);
        const lost = makeEvent();
        await whileLocked(ctx.knex, lock, async () => {
          const started = Date.now();
          const err = await store.save([lost]).catch((e) => e);
          expect(Date.now() - started).to.be.at.least(390);
          expect(err).to.be.instanceOf(StoreWriteError);
          expect(err.outcomeUnknown).to.equal(false);
          expect(err.cause?.code).to.match(/^SQLITE_BUSY/);
        });
        await store.flush();
        expect(store.stats.failedEvents).to.equal(1);
        const later = makeEvent();
        await store.save([later]);
        const ids = await idsOf(storeKnex, store.tableName);
        expect(ids).to.include(later.id);
        expect(ids).to.not.include(lost.id);
      } finally {
        await storeKnex.destroy();
      }
    });
  }

  // With better-sqlite3 the wait for the lock blocks the thread, so no write timeout can fire: the
  // test above covers that driver.
  if (ctx.driver !== 'better-sqlite3')
    it('rejects with StoreTimeoutError when a lock holds the INSERT past writeTimeoutMs, then recovers', async () => {
      // SQLite: the store's connection gets a busy timeout longer than the write timeout, so the
      // INSERT waits for the other writer instead of failing with SQLITE_BUSY at once.
      const storeKnex = dialect === 'sqlite' ? sideKnex(1, 3000) : ctx.knex;
      try {
        const store = await openStore(storeKnex, tables, { writeTimeoutMs: 300 });
        const lock = (trx) => {
          if (dialect === 'postgres') return trx.raw(`lock table "${store.tableName}" in exclusive mode`);
          // A locking full scan takes next-key locks on every gap: inserts wait.
          if (dialect === 'mysql') return trx.raw(`select * from \`${store.tableName}\` for update`);
          return trx.raw(`update "${store.tableName}" set id = id where 0`); // the database write lock
        };
        await whileLocked(ctx.knex, lock, async () => {
          const err = await store.save([makeEvent()]).catch((e) => e);
          expect(err).to.be.instanceOf(StoreTimeoutError);
          expect(err.code).to.equal('AUDIT_STORE_TIMEOUT');
          expect(err.message).to.match(/outcome is unknown/);
        });
        await store.flush();
        expect(store.stats.timedOutEvents).to.equal(1);
        const later = makeEvent();
        await store.save([later]);
        expect(await idsOf(storeKnex, store.tableName)).to.include(later.id);
      } finally {
        if (storeKnex !== ctx.knex) await storeKnex.destroy();
      }
    });

  it('never writes a caller that timed out while still queued', async () => {
    // One pool connection, held by a transaction: the first batch waits for it (in flight), the
    // second caller waits behind that batch (queued) until its time is up.
    const single = sideKnex(1, 5000);
    try {
      const store = await openStore(single, tables, { writeTimeoutMs: 300 });
      const first = makeEvent();
      const queued = makeEvents(3);
      const started = Date.now();
      const [a, ...rest] = await whileLocked(
        single,
        () => Promise.resolve(),
        async () => {
          const firstSave = store.save([first]).catch((e) => e);
          await new Promise((r) => setTimeout(r, 50));
          // Three callers queued at different times: one timer times each out at its own deadline.
          const queuedSaves = [];
          for (const event of queued) {
            queuedSaves.push(store.save([event]).catch((e) => ({ err: e, at: Date.now() })));
            await new Promise((r) => setTimeout(r, 60));
          }
          return Promise.all([firstSave, ...queuedSaves]);
        },
      );
      expect(a).to.be.instanceOf(StoreTimeoutError);
      expect(a.message).to.match(/outcome is unknown/);
      for (const [i, { err, at }] of rest.entries()) {
        expect(err).to.be.instanceOf(StoreTimeoutError);
        expect(err.message).to.match(/were not written/);
        // Submitted at ~50 + 60·i ms: rejected after its own 300 ms, not with the first caller.
        expect(at - started).to.be.at.least(50 + 60 * i + 290);
      }
      await store.close();
      const ids = await idsOf(single, store.tableName);
      expect(ids).to.include(first.id); // committed late: the caller was told "unknown", not "lost"
      for (const event of queued) expect(ids).to.not.include(event.id);
      expect(store.stats).to.include({ timedOutEvents: 4, events: 1, pendingEvents: 0 });
    } finally {
      await single.destroy();
    }
  });
});
