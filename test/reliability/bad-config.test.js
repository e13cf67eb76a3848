// Bad configuration: wrong table names, unknown logger classes and module specifiers, content that
// is not JSON, bad middleware options, malformed settings. Each is a typed error with a stable code,
// raised BEFORE anything is written: no SQL statement runs (counted on the knex instance), no
// table appears, no file is created, the previously configured logger stays in place.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import knexFactory from 'knex';
import {
  AuditContext,
  AuditEventsError,
  closeAuditing,
  configureAuditLogger,
  configureAuditLoggerFromSettings,
  configureEventStore,
  FileAuditLogger,
  getAuditLogger,
  MemoryAuditLogger,
} from '@audit-events/core';
import { auditContext as expressAudit, auditEventsRouter as expressRouter } from '@audit-events/express';
import { auditContext as koaAudit, auditEventsRouter as koaRouter } from '@audit-events/koa';
import { DatabaseAuditLogger, KnexEventStore, sqliteKnexConfig } from '@audit-events/knex';
import { forEachDialect, knexConfig, tempDir, uniqueTable } from '../helpers/databases.js';
import { dropTables } from './support.js';

/** Runs `fn` (sync or async) and returns what it threw, asserting it is a typed error with `code`. */
async function typedError(fn, code) {
  let error = null;
  try {
    await fn();
  } catch (err) {
    error = err;
  }
  expect(error, 'no error was thrown').to.be.instanceOf(AuditEventsError);
  expect(error.code, error.message).to.equal(code);
  return error;
}

/** A fresh SQLite knex counting every statement it runs. */
function countingKnex() {
  const knex = knexFactory(knexConfig('sqlite'));
  const statements = [];
  knex.on('query', (q) => statements.push(q.sql));
  return { knex, statements };
}

describe('reliability: bad configuration fails typed, before any write', () => {
  let db;
  beforeEach(() => (db = countingKnex()));
  afterEach(() => db.knex.destroy());

  it('KnexEventStore: unsafe table and column names → AUDIT_BAD_IDENTIFIER; other bad options → AUDIT_BAD_CONFIG; no SQL', async () => {
    for (const tableName of [
      'audit events',
      'a;drop table x',
      'x'.repeat(64),
      'a.b.c',
      '',
      '1abc',
      'ev"il',
      'ok\u0000',
      42,
    ]) {
      await typedError(() => new KnexEventStore(db.knex, { tableName }), 'AUDIT_BAD_IDENTIFIER');
      await typedError(() => new KnexEventStore(db.knex, { archiveTableName: tableName }), 'AUDIT_BAD_IDENTIFIER');
    }
    await typedError(
      () => new KnexEventStore(db.knex, { extraColumns: [{ name: 'bad name', type: 'string' }] }),
      'AUDIT_BAD_IDENTIFIER',
    );
    for (const options of [
      { tableName: 'same', archiveTableName: 'SAME' },
      { extraColumns: [{ name: 'content', type: 'string' }] },
      { extraColumns: [{ name: 'tenant', type: 'varchar' }] },
      { extraColumns: 'tenant' },
      { batchSize: 0 },
      { writeTimeoutMs: -1 },
      { lingerMs: '2' },
      { rejoinMs: -1 },
      { rejoinMs: 1.5 },
      { rejoinMs: 10_001 },
      { maxBindParameters: 0 },
      { mapRow: 'x' },
      { mapRow: { toRow: 1 } },
    ]) {
      await typedError(() => new KnexEventStore(db.knex, options), 'AUDIT_BAD_CONFIG');
    }
    await typedError(() => new KnexEventStore({}, {}), 'AUDIT_BAD_CONFIG');
    await typedError(() => new KnexEventStore(db.knex).archive({ olderThan: 'yesterday' }), 'AUDIT_BAD_CONFIG');
    await typedError(() => new KnexEventStore(db.knex).archive({ olderThan: 30, batchSize: 0 }), 'AUDIT_BAD_CONFIG');
    expect(db.statements).to.deep.equal([]);
  });

  it('content that is not JSON → AUDIT_NOT_JSON naming the path; malformed drafts → AUDIT_BAD_EVENT / AUDIT_NO_CONTENT_OBJECT; nothing stored', async () => {
    const tableName = uniqueTable('rl_bad');
    const store = new KnexEventStore(db.knex, { tableName, archiveTableName: `${tableName}_arc` });
    await store.migrate();
    db.statements.length = 0;
    const context = AuditContext.blank({ store });
    const loop = {};
    loop.self = loop;
    const cases = [
      [{ callback() {} }, 'content.callback'],
      [{ nested: { deeper: [1, Symbol('s')] } }, 'content.nested.deeper[1]'],
      [{ loop }, 'content.loop.self'],
      [{ when: new Date(NaN) }, 'content.when'],
    ];
    for (const [content, path] of cases) {
      const err = await typedError(() => context.createEvent({ type: 'Order', id: 1 }, content), 'AUDIT_NOT_JSON');
      expect(err.path).to.equal(path);
    }
    await typedError(() => context.createEvent({ type: 'Order', id: 1 }, ['a']), 'AUDIT_BAD_EVENT');
    await typedError(() => context.createEvent({ type: 'Order', id: 1 }, 'text'), 'AUDIT_BAD_EVENT');
    await typedError(() => context.createEvent(null), 'AUDIT_NO_CONTENT_OBJECT');
    await typedError(() => context.createEvent({ type: 'Order' }), 'AUDIT_NO_CONTENT_OBJECT');
    await typedError(() => context.createFieldsEvent({ type: 'Order', id: 1 }, ['missing']), 'AUDIT_BAD_EVENT');
    const draft = context.newEvent().setContentObject({ type: 'Order', id: 1 });
    draft.createdAt = new Date('not a date');
    await typedError(() => draft.save(), 'AUDIT_BAD_EVENT');
    await typedError(() => AuditContext.blank({ store, extraData: { fn: () => 1 } }), 'AUDIT_NOT_JSON');
    expect(db.statements.filter((sql) => /insert/i.test(sql))).to.deep.equal([]);
    expect(await db.knex(tableName).count({ n: '*' })).to.deep.equal([{ n: 0 }]);
  });

  it('middleware and router options (Express and Koa) → AUDIT_BAD_CONFIG when the app is built, not on the first request', () => {
    const bad = [
      { includePostData: 'yes' },
      { unknownOption: true },
      { maskPostFields: 'password' },
      { maskPostFields: [''] },
      { includeHeaders: [1] },
      { requestIdHeader: 'x-id\r\nset-cookie: a=1' },
      { maxBodyBytes: 0 },
      { store: {} },
      { extraData: { fn() {} } },
      { extraData: [] },
      { getUser: 'req.user' },
      null,
    ];
    for (const options of bad) {
      for (const make of [expressAudit, koaAudit]) {
        expect(() => make(options), JSON.stringify(options))
          .to.throw(AuditEventsError)
          .with.property('code', 'AUDIT_BAD_CONFIG');
      }
    }
    const store = { find: async () => ({ events: [], nextCursor: null }), save: async () => {} };
    const all = { scope: 'all' };
    for (const options of [
      { store, ...all },
      { store: {}, authorize: () => true, ...all },
      { store, authorize: () => true, maxLimit: 0, ...all },
      { store, authorize: () => true, oops: 1, ...all },
      { store, authorize: () => true }, // scope is required
      { store, authorize: () => true, scope: { tenantId: 't' } },
      { store, authorize: () => true, ...all, fields: { exclude: ['ipAddress'] } },
    ]) {
      for (const make of [expressRouter, koaRouter]) {
        expect(() => make(options))
          .to.throw(AuditEventsError)
          .with.property('code', 'AUDIT_BAD_CONFIG');
      }
    }
    expect(() => koaRouter({ store, authorize: () => true, scope: 'all', path: 'no-slash' }))
      .to.throw(AuditEventsError)
      .with.property('code', 'AUDIT_BAD_CONFIG');
  });

  it('logger settings: unknown module, unknown export, not a logger, malformed options → AUDIT_BAD_CONFIG; the configured logger stays', async () => {
    const current = new MemoryAuditLogger();
    await configureAuditLogger(current);
    const path = join(tempDir(), `${uniqueTable('never')}.ndjson`);
    try {
      const settings = [
        'no-such-package-anywhere#Logger',
        './does/not/exist.js#Logger',
        '@audit-events/core#NoSuchLogger',
        '@audit-events/core#MASK',
        '@audit-events/core#',
        '#Logger',
        { class: '@audit-events/core#FileAuditLogger', options: 'not an object' },
        { class: '@audit-events/core#FileAuditLogger', options: { path, batchSize: -1 } },
        { class: '@audit-events/core#FileAuditLogger', options: { path, flushInterval: 'soon' } },
        { class: '@audit-events/core#FileAuditLogger', options: { path, maxQueueSize: 1, batchSize: 10 } },
        { class: '@audit-events/core#FileAuditLogger', options: { path: '' } },
        { class: '@audit-events/knex#DatabaseAuditLogger', options: { knex: db.knex, tableName: 'bad name' } },
        { class: '@audit-events/knex#DatabaseAuditLogger', options: { knex: 'postgres://x' } },
        { class: '@audit-events/core#FileAuditLogger', extra: 1 },
        { class: 42 },
        [],
        42,
        () => 'not a logger',
      ];
      for (const setting of settings) {
        await typedError(() => configureAuditLoggerFromSettings(setting), 'AUDIT_BAD_CONFIG');
        expect(getAuditLogger(), JSON.stringify(setting)).to.equal(current);
      }
      await typedError(() => configureAuditLogger({ log() {} }), 'AUDIT_BAD_CONFIG');
      await typedError(() => configureEventStore({ save() {} }), 'AUDIT_BAD_CONFIG');
      expect(getAuditLogger()).to.equal(current);
      expect(existsSync(path), 'a rejected FileAuditLogger created its file').to.equal(false);
      expect(db.statements).to.deep.equal([]);
    } finally {
      await configureAuditLogger(null);
    }
  });

  it('logger, store and shutdown options given directly → typed errors, nothing opened', async () => {
    const path = join(tempDir(), `${uniqueTable('never')}.ndjson`);
    for (const options of [
      { batchSize: 0 },
      { exportTimeout: -5 },
      { maxRetries: 1.5 },
      { onError: 'log' },
      { scheduler: {} },
      { sync: 'no' },
      { useWorker: 'no' },
    ]) {
      await typedError(() => new FileAuditLogger(path, options), 'AUDIT_BAD_CONFIG');
    }
    await typedError(
      () => new FileAuditLogger(join(tempDir(), 'missing-dir-is-fine', '\u0000bad')),
      'AUDIT_BAD_CONFIG',
    );
    expect(existsSync(path)).to.equal(false);
    await typedError(() => new DatabaseAuditLogger({ knex: db.knex, tableName: 'x y' }), 'AUDIT_BAD_IDENTIFIER');
    await typedError(() => new DatabaseAuditLogger({ knex: db.knex, batchSize: 0 }), 'AUDIT_BAD_CONFIG');
    await typedError(() => new DatabaseAuditLogger(null), 'AUDIT_BAD_CONFIG');
    await typedError(() => sqliteKnexConfig(''), 'AUDIT_BAD_CONFIG');
    await typedError(() => sqliteKnexConfig('x.db', { busyTimeoutMs: -1 }), 'AUDIT_BAD_CONFIG');
    await typedError(() => closeAuditing({ timeoutMs: 0 }), 'AUDIT_BAD_CONFIG');
    await typedError(() => closeAuditing({ stores: [{}] }), 'AUDIT_BAD_CONFIG');
    await typedError(() => closeAuditing({ loggers: 'all' }), 'AUDIT_BAD_CONFIG');
    expect(db.statements).to.deep.equal([]);
  });
});

forEachDialect('reliability: a wrong (but well-formed) table name', (ctx) => {
  const tables = [];
  afterEach(() => dropTables(ctx.knex, tables));

  it('store: save() rejects with AUDIT_STORE_WRITE_FAILED (outcome known: not stored); no table is created', async () => {
    const tableName = uniqueTable('rl_typo');
    tables.push(tableName);
    const store = new KnexEventStore(ctx.knex, { tableName, archiveTableName: `${tableName}_arc` });
    const err = await typedError(
      () => AuditContext.blank({ store }).createEvent({ type: 'Order', id: 1 }),
      'AUDIT_STORE_WRITE_FAILED',
    );
    expect(err.outcomeUnknown).to.equal(false);
    expect(await ctx.knex.schema.hasTable(tableName)).to.equal(false);
    expect(store.stats).to.include({ events: 0, failedEvents: 1, outcomeUnknownEvents: 0 });
  });

  it('database logger with createTable: false: every event reported failed (typed, counted), no table created', async () => {
    const tableName = uniqueTable('rl_typolog');
    tables.push(tableName);
    const failures = [];
    const logger = new DatabaseAuditLogger({
      knex: ctx.knex,
      tableName,
      createTable: false,
      maxRetries: 1,
      retryDelay: 1,
      onError: (error, batch) => failures.push({ code: error.code, count: batch.length }),
    });
    const { createPermissionAuditEvent } = await import('@audit-events/core');
    for (let i = 0; i < 3; i++) logger.record(createPermissionAuditEvent({ action: 'read', granted: true }));
    await logger.close();
    expect(failures).to.deep.equal([{ code: 'AUDIT_LOGGER_WRITE_FAILED', count: 3 }]);
    expect({ written: logger.writtenCount, failed: logger.failedCount }).to.deep.equal({ written: 0, failed: 3 });
    expect(await ctx.knex.schema.hasTable(tableName)).to.equal(false);
  });
});

describe('reliability: a knex for a driver the product does not support', () => {
  it('is refused at construction with AUDIT_BAD_CONFIG', async () => {
    const knex = knexFactory({ client: 'sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
    try {
      knex.client.dialect = 'oracledb'; // what an Oracle knex reports; no Oracle driver is installed here
      await typedError(() => new KnexEventStore(knex), 'AUDIT_BAD_CONFIG');
      await typedError(() => new DatabaseAuditLogger({ knex }), 'AUDIT_BAD_CONFIG');
    } finally {
      await knex.destroy();
    }
  });
});
