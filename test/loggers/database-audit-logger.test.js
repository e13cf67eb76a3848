import { expect } from 'chai';
import { DatabaseAuditLogger, ensurePermissionAuditTable } from '@audit-events/knex';
import { ConfigurationError, InvalidIdentifierError, createPermissionAuditEvent } from '@audit-events/core';
import { forEachDialect, uniqueTable } from '../helpers/databases.js';

function decision(i, overrides = {}) {
  return createPermissionAuditEvent({
    action: i % 3 === 0 ? 'update' : 'read',
    attributes: [`field${i}`],
    granted: i % 2 === 0,
    manager: i % 4 === 0 ? 'Project' : 'Task',
    user: { id: i, username: `user${i}` },
    permissions: ['isAdmin', 'isSelf'],
    metadata: { request_id: `r-${i}`, n: BigInt(i) },
    timestamp: new Date(Date.UTC(2025, 0, 1, 0, 0, 0, i)),
    ...overrides,
  });
}

function parse(value) {
  return typeof value === 'string' ? JSON.parse(value) : value;
}

forEachDialect('DatabaseAuditLogger', (ctx, dialect) => {
  const tables = [];
  const table = () => {
    const name = uniqueTable('pal');
    tables.push(name);
    return name;
  };
  // afterEach, not after: the helper's own `after` (registered first) destroys the knex instance.
  afterEach(async () => {
    if (!ctx.knex) return;
    for (const name of tables.splice(0)) await ctx.knex.schema.dropTableIfExists(name);
  });

  it("creates its table on demand with the issue's columns and indexes, and stores events exactly", async () => {
    const tableName = table();
    const logger = new DatabaseAuditLogger({ knex: ctx.knex, tableName, flushOnExit: false });
    logger.record(decision(0));
    logger.record(decision(1, { user: null, metadata: null }));
    logger.record(decision(2, { bypassed: true, manager: null, user: { username: 'no-id' } }));
    await logger.flush();
    expect(logger.writtenCount).to.equal(3);

    const columns = Object.keys(await ctx.knex(tableName).columnInfo());
    expect(columns.sort()).to.deep.equal(
      [
        'id',
        'event_id',
        'created_at',
        'timestamp',
        'action',
        'attributes',
        'granted',
        'bypassed',
        'manager',
        'user_id',
        'user_repr',
        'tenant_id',
        'actor_type',
        'permissions',
        'metadata',
      ].sort(),
    );
    const rows = await ctx.knex(tableName).orderBy('id');
    expect(rows).to.have.length(3);
    expect(
      rows.map((r) => [
        r.action,
        parse(r.attributes),
        Boolean(r.granted),
        Boolean(r.bypassed),
        r.manager,
        r.user_id,
        r.user_repr,
      ]),
    ).to.deep.equal([
      ['update', ['field0'], true, false, 'Project', '0', 'user0'],
      ['read', ['field1'], false, false, 'Task', null, null],
      ['read', ['field2'], true, true, null, null, 'no-id'],
    ]);
    expect(parse(rows[0].permissions)).to.deep.equal(['isAdmin', 'isSelf']);
    expect(parse(rows[0].metadata)).to.deep.equal({ request_id: 'r-0', n: '0' });
    expect(rows[1].metadata).to.equal(null);
    expect(rows[0].created_at).to.not.equal(null);
    // Event time is stored in UTC with milliseconds (compared in SQL: independent of the driver's time zone).
    const at = dialect === 'postgres' ? '2025-01-01T00:00:00.002Z' : '2025-01-01 00:00:00.002';
    const [{ hits }] = await ctx.knex(tableName).where('timestamp', at).count({ hits: '*' });
    expect(Number(hits)).to.equal(1);

    let indexed;
    if (dialect === 'postgres') {
      const { rows: idx } = await ctx.knex.raw('select indexdef from pg_indexes where tablename = ?', [tableName]);
      indexed = idx.map((r) => r.indexdef);
    } else if (dialect === 'mysql') {
      const [idx] = await ctx.knex.raw(`show index from \`${tableName}\``);
      indexed = idx.map((r) => `${Number(r.Non_unique) === 0 ? 'UNIQUE ' : ''}${r.Key_name}(${r.Column_name})`);
    } else {
      const idx = await ctx.knex.raw(`select sql from sqlite_master where type = 'index' and tbl_name = ?`, [
        tableName,
      ]);
      indexed = idx.map((r) => r.sql ?? '');
    }
    for (const column of ['timestamp', 'granted', 'manager', 'event_id', 'tenant_timestamp']) {
      expect(
        indexed.some((d) => d.includes(`${column}_idx`)),
        `${column} index in ${indexed.join('; ')}`,
      ).to.equal(true);
    }
    // event_id's index is unique (what makes a retried batch land once).
    expect(indexed.some((d) => /unique/i.test(d) && d.includes('event_id_idx'))).to.equal(true);
    await logger.close();
  });

  it('inserts a large batch within the bind-parameter limit and answers the analysis queries', async () => {
    const tableName = table();
    const logger = new DatabaseAuditLogger({
      knex: ctx.knex,
      tableName,
      batchSize: 1500,
      maxQueueSize: 1500,
      flushOnExit: false,
    });
    for (let i = 0; i < 1500; i++) logger.record(decision(i));
    await logger.close();
    expect(logger.writtenCount).to.equal(1500);
    expect(logger.failedCount).to.equal(0);
    const [{ count }] = await ctx.knex(tableName).count({ count: '*' });
    expect(Number(count)).to.equal(1500);
    // "Aggregate denied events by manager": the query the indexes are for.
    const denied = await ctx
      .knex(tableName)
      .where({ granted: false })
      .select('manager')
      .count({ n: '*' })
      .groupBy('manager')
      .orderBy('manager');
    expect(denied.map((r) => [r.manager, Number(r.n)])).to.deep.equal([['Task', 750]]);
  });

  it('table creation is idempotent and survives concurrent creators', async () => {
    const tableName = table();
    await Promise.all([
      ensurePermissionAuditTable(ctx.knex, tableName),
      ensurePermissionAuditTable(ctx.knex, tableName),
      ensurePermissionAuditTable(ctx.knex, tableName),
    ]);
    const a = new DatabaseAuditLogger({ knex: ctx.knex, tableName, flushOnExit: false });
    const b = new DatabaseAuditLogger({ knex: ctx.knex, tableName, flushOnExit: false });
    a.record(decision(1));
    b.record(decision(2));
    await Promise.all([a.close(), b.close()]);
    const [{ count }] = await ctx.knex(tableName).count({ count: '*' });
    expect(Number(count)).to.equal(2);
  });

  it('a failing insert is retried, then reported and counted', async () => {
    const tableName = table();
    await ctx.knex.schema.createTable(tableName, (t) => t.increments('id')); // wrong shape: inserts fail
    const errors = [];
    const logger = new DatabaseAuditLogger({
      knex: ctx.knex,
      tableName,
      retryDelay: 1,
      maxRetries: 2,
      flushOnExit: false,
      onError: (err, batch) => errors.push({ err, size: batch.length }),
    });
    logger.record(decision(1));
    await logger.close();
    expect(logger.failedCount).to.equal(1);
    expect(errors).to.have.length(1);
    expect(errors[0].err.code).to.equal('AUDIT_LOGGER_WRITE_FAILED');
    expect(errors[0].err.message).to.match(/after 3 attempt/);
    // The driver's reason is kept; the failed SQL with every bound value (user names, metadata) is not.
    const reported = `${errors[0].err.message} ${errors[0].err.cause?.message ?? ''}`;
    expect(reported).to.not.include('user1');
    expect(reported).to.not.include('r-1');
  });

  it('checks its options', () => {
    expect(() => new DatabaseAuditLogger({ knex: ctx.knex, tableName: 'bad name; drop', flushOnExit: false })).to.throw(
      InvalidIdentifierError,
    );
    expect(() => new DatabaseAuditLogger({ knex: {}, flushOnExit: false })).to.throw(ConfigurationError, /knex/);
    expect(() => new DatabaseAuditLogger(ctx.knex, 'permission_audit_log')).to.throw(ConfigurationError, /options/);
    expect(() => new DatabaseAuditLogger(ctx.knex, { tableName: 'bad name; drop' })).to.throw(InvalidIdentifierError);
  });

  it('takes knex first and options second, like every store and logger (the object form is deprecated)', async () => {
    const tableName = uniqueTable('perm_ctor');
    tables.push(tableName);
    const logger = new DatabaseAuditLogger(ctx.knex, { tableName, flushOnExit: false });
    expect(logger.tableName).to.equal(tableName);
    logger.record(createPermissionAuditEvent({ action: 'read', granted: true, manager: 'Doc', attributes: ['title'] }));
    await logger.close();
    expect(logger.writtenCount).to.equal(1);
    const rows = await ctx.knex(tableName).select('manager', 'granted');
    expect(rows.map((r) => r.manager)).to.deep.equal(['Doc']);
  });
});

forEachDialect('DatabaseAuditLogger deep metadata', (ctx) => {
  it('keeps a decision whose metadata is nested deeper than the database stores, and its batch partners', async () => {
    const tableName = uniqueTable('deep_perm');
    const logger = new DatabaseAuditLogger({
      knex: ctx.knex,
      tableName,
      maxRetries: 0,
      flushOnExit: false,
      handleSignals: false,
    });
    try {
      let deep = { leaf: 1 };
      for (let i = 0; i < 40; i++) deep = { n: deep };
      logger.record(createPermissionAuditEvent({ action: 'read', granted: true, manager: 'A', metadata: { ok: 1 } }));
      logger.record(
        createPermissionAuditEvent({ action: 'read', granted: false, manager: 'B', metadata: { deep, kept: 'yes' } }),
      );
      await logger.flush();
      expect(logger.failedCount).to.equal(0);
      const rows = await ctx.knex(tableName).select('manager', 'metadata').orderBy('manager');
      expect(rows.map((r) => r.manager)).to.deep.equal(['A', 'B']);
      const metadata = typeof rows[1].metadata === 'string' ? JSON.parse(rows[1].metadata) : rows[1].metadata;
      expect(metadata.kept).to.equal('yes');
    } finally {
      await logger.close();
      await ctx.knex.schema.dropTableIfExists(tableName);
    }
  });
});
