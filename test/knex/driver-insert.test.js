// The writers' INSERTs skip knex's query builder where no timeout has to be enforced (the event
// store on SQLite, the permission logger everywhere): one planned statement goes straight to the
// dialect's runner on a pool connection. What must not change: knex's events still report every
// statement, the pool still serialises access to SQLite's one connection, and a failed INSERT's
// error names no bound value.
import { expect } from 'chai';
import knexFactory from 'knex';
import { createPermissionAuditEvent, StoreWriteError } from '@audit-events/core';
import { DatabaseAuditLogger, ensurePermissionAuditTable } from '@audit-events/knex';
import { forEachDialect, knexConfig, uniqueTable } from '../helpers/databases.js';
import { dropAll, idsOf, insertsInto, makeEvent, openStore } from './support.js';

/** Counts the INSERTs that went through knex's query builder and runner (`client.query`). */
function watchBuilder(knex, pattern) {
  const client = knex.client;
  const seen = { builder: 0 };
  const query = client.query;
  client.query = function (connection, obj) {
    if (pattern.test(typeof obj === 'string' ? obj : obj.sql)) seen.builder++;
    return query.call(this, connection, obj);
  };
  seen.stop = () => {
    client.query = query;
  };
  return seen;
}

/** knex's query / query-response / query-error events whose SQL matches `pattern`. */
function watchEvents(knex, pattern) {
  const seen = { query: [], response: 0, error: [] };
  const onQuery = (q) => pattern.test(q.sql) && seen.query.push(q);
  const onResponse = (_response, q) => pattern.test(q.sql) && seen.response++;
  const onError = (err, q) => pattern.test(q.sql) && seen.error.push(err);
  knex.on('query', onQuery).on('query-response', onResponse).on('query-error', onError);
  seen.stop = () => knex.off('query', onQuery).off('query-response', onResponse).off('query-error', onError);
  return seen;
}

forEachDialect('Direct INSERTs', (ctx, dialect) => {
  const tables = [];
  afterEach(() => dropAll(ctx.knex, tables));

  it(`event store: ${dialect === 'sqlite' ? 'one batch, one direct INSERT' : "through knex's builder (its timeout cancels the statement)"}; knex's events report it`, async () => {
    const store = await openStore(ctx.knex, tables, { lingerMs: 0 });
    const pattern = insertsInto(store.tableName);
    const paths = watchBuilder(ctx.knex, pattern);
    const events = watchEvents(ctx.knex, pattern);
    const saved = [makeEvent(), makeEvent(), makeEvent()];
    try {
      await Promise.all(saved.map((e) => store.save([e])));
    } finally {
      paths.stop();
      events.stop();
    }
    const batches = store.stats.batches;
    expect(paths.builder).to.equal(dialect === 'sqlite' ? 0 : batches);
    expect(events.query).to.have.length(batches);
    expect(events.response).to.equal(batches);
    expect(events.error).to.have.length(0);
    const bound = events.query.flatMap((q) => q.bindings);
    for (const e of saved) expect(bound).to.include(e.id);
    expect((await idsOf(ctx.knex, store.tableName)).sort()).to.deep.equal(saved.map((e) => e.id).sort());
  });

  it('event store: each batch INSERTs its own rows and columns; batches of one shape and size have the same text', async () => {
    const store = await openStore(ctx.knex, tables, { lingerMs: 0 });
    const events = watchEvents(ctx.knex, insertsInto(store.tableName));
    // Without a user, body, query or headers those columns are left out of the statement.
    const lean = (n) =>
      Array.from({ length: n }, () =>
        makeEvent({ userId: null, userRepr: null, queryParams: null, postData: null, headers: null }),
      );
    const full = (n) => Array.from({ length: n }, () => makeEvent());
    const batches = [full(2), full(3), lean(2), full(2), lean(3), lean(2)];
    try {
      // One save() is one batch: it is never split.
      for (const batch of batches) await store.save(batch);
    } finally {
      events.stop();
    }
    expect(events.query).to.have.length(batches.length);
    const columns = events.query.map((q, i) => {
      // PostgreSQL's statements number their placeholders ($1, $2 …).
      const placeholders = (q.sql.match(/\?|\$\d+/g) ?? []).length;
      expect(q.bindings).to.have.length(placeholders);
      expect(placeholders % batches[i].length).to.equal(0);
      expect(/user_id/.test(q.sql)).to.equal(batches[i][0].userId !== null);
      return placeholders / batches[i].length;
    });
    expect(new Set([columns[0], columns[1], columns[3]]).size).to.equal(1);
    expect(new Set([columns[2], columns[4], columns[5]]).size).to.equal(1);
    expect(columns[2]).to.be.below(columns[0]);
    const sql = events.query.map((q) => q.sql);
    expect(sql[3]).to.equal(sql[0]);
    expect(sql[5]).to.equal(sql[2]);
    expect(new Set(sql).size).to.equal(4);
    const stored = (await store.find({ limit: 100 })).events;
    expect(stored.map((e) => e.id).sort()).to.deep.equal(
      batches
        .flat()
        .map((e) => e.id)
        .sort(),
    );
    const users = new Map(batches.flat().map((e) => [e.id, e.userId]));
    for (const e of stored) expect(e.userId).to.equal(users.get(e.id));
  });

  it('event store: a refused INSERT reports query-error, and its StoreWriteError names no bound value', async () => {
    const store = await openStore(ctx.knex, tables, { lingerMs: 0 });
    const first = makeEvent();
    await store.save([first]);
    const events = watchEvents(ctx.knex, insertsInto(store.tableName));
    const secret = 'card 4111 1111 1111 1111 of the neighbour';
    let err;
    try {
      // The stored id again, with a neighbour whose content must not reach an error log.
      err = await store.save([makeEvent({ content: { secret } }), { ...first }]).then(
        () => null,
        (e) => e,
      );
    } finally {
      events.stop();
    }
    expect(err).to.be.instanceOf(StoreWriteError);
    expect(events.error).to.have.length(1);
    for (const text of [err.message, String(err.cause?.message ?? ''), String(err.stack)]) {
      expect(text).not.to.include(secret);
      expect(text).not.to.include('4111');
    }
    expect(await idsOf(ctx.knex, store.tableName)).to.deep.equal([first.id]);
  });

  it('permission logger: each batch is one direct INSERT, reported by knex', async () => {
    const tableName = uniqueTable('di_perm');
    tables.push(tableName);
    await ensurePermissionAuditTable(ctx.knex, tableName);
    const pattern = insertsInto(tableName);
    const paths = watchBuilder(ctx.knex, pattern);
    const events = watchEvents(ctx.knex, pattern);
    const logger = new DatabaseAuditLogger({
      knex: ctx.knex,
      tableName,
      flushOnExit: false,
      handleSignals: false,
    });
    try {
      for (let n = 0; n < 5; n++)
        logger.record(createPermissionAuditEvent({ action: 'read', granted: n % 2 === 0, metadata: { n } }));
      await logger.close();
    } finally {
      paths.stop();
      events.stop();
    }
    expect(paths.builder).to.equal(0);
    expect(events.query).to.have.length.at.least(1);
    expect(events.response).to.equal(events.query.length);
    const [{ count }] = await ctx.knex(tableName).count({ count: '*' });
    expect(Number(count)).to.equal(5);
  });
});

forEachDialect(
  'Direct INSERTs on SQLite',
  (ctx) => {
    const tables = [];
    afterEach(() => dropAll(ctx.knex, tables));

    it("wait for knex's pool: a transaction holding the one connection delays the batch until it ends", async () => {
      const store = await openStore(ctx.knex, tables, { lingerMs: 0 });
      const event = makeEvent();
      let saved = false;
      await ctx.knex.transaction(async (trx) => {
        await trx.raw('select 1');
        store.save([event]).then(() => (saved = true));
        await new Promise((resolve) => setTimeout(resolve, 100));
        // Still waiting for the connection: nothing of the batch ran inside this transaction.
        expect(saved).to.equal(false);
        expect(await trx(store.tableName).count({ n: '*' })).to.deep.equal([{ n: 0 }]);
      });
      await store.flush();
      expect(saved).to.equal(true);
      expect(await idsOf(ctx.knex, store.tableName)).to.deep.equal([event.id]);
    });
  },
  { dialects: ['sqlite', 'better-sqlite3'] },
);

forEachDialect(
  'Prepared INSERTs kept per SQLite connection',
  (ctx) => {
    const tables = [];
    afterEach(() => dropAll(ctx.knex, tables));

    /** The pool's one driver connection (SQLite's pool has one). */
    async function driverConnection(knex) {
      const connection = await knex.client.acquireConnection();
      await knex.client.releaseConnection(connection);
      return connection;
    }

    it('more batch shapes than it keeps: every row stored once, and knex.destroy() closes the database', async () => {
      const own = knexFactory(knexConfig(ctx.driver === 'better-sqlite3' ? 'better-sqlite3' : 'sqlite'));
      const store = await openStore(own, [], { lingerMs: 0 });
      const connection = await driverConnection(own);
      const ids = [];
      // 40 row counts: 40 INSERT texts, more than the 32 kept, so some are finalized on the way.
      for (let n = 1; n <= 40; n++) {
        const events = Array.from({ length: n }, () => makeEvent());
        ids.push(...events.map((e) => e.id));
        await store.save(events);
      }
      for (let n = 40; n >= 1; n -= 3) {
        const events = Array.from({ length: n }, () => makeEvent());
        ids.push(...events.map((e) => e.id));
        await store.save(events);
      }
      expect((await idsOf(own, store.tableName)).sort()).to.deep.equal(ids.sort());
      await store.close();
      await own.destroy();
      // sqlite3 refuses to close a database with a statement not finalized (and keeps the file open).
      expect(connection.open).to.equal(false);
    });

    it('an INSERT whose table is gone fails that batch only; the next batch, after migrate(), is stored', async () => {
      const store = await openStore(ctx.knex, tables, { lingerMs: 0 });
      const first = makeEvent();
      await store.save([first]);
      await ctx.knex.schema.dropTable(store.tableName);
      const err = await store.save([makeEvent()]).then(
        () => null,
        (e) => e,
      );
      expect(err).to.be.instanceOf(StoreWriteError);
      await store.migrate();
      const later = makeEvent();
      await store.save([later]);
      expect(await idsOf(ctx.knex, store.tableName)).to.deep.equal([later.id]);
    });
  },
  { dialects: ['sqlite', 'better-sqlite3'] },
);
