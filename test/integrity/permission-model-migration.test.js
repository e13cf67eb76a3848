// Issues 17 and 18: a permission audit table from before event_id / tenant_id / actor_type is
// upgraded in place — by the shipped migrations directory (20261204000100), by `audit-events migrate
// --permission-table`, and by the logger itself — on every dialect; the hash-chained rows written
// before still verify (library and `audit-events verify`), and rows written since carry the new
// fields and are covered by their hashes.
// The old rows are a fixture written by the logger of that version (see its _comment), inserted
// into a table of that version's schema, so what is upgraded is what an upgrading user has.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AuditContext, ConfigurationError, createPermissionAuditEvent } from '@audit-events/core';
import { enrichEvent } from '@audit-events/core/internal';
import { DatabaseAuditLogger, verifyPermissionLog } from '@audit-events/knex';
import { dbUrl, runCli } from '../cli/harness.js';
import { forEachDialect, uniqueTable } from '../helpers/databases.js';
import { captureOutput } from '../helpers/output-capture.js';
import { dropAll, verdicts } from './support.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('../../packages/knex/migrations', import.meta.url));
const FIXTURE = JSON.parse(
  readFileSync(new URL('../fixtures/integrity/permission-rows-before-event-id.json', import.meta.url), 'utf8'),
);
const quiet = { flushOnExit: false, handleSignals: false };
const MODEL_COLUMNS = ['event_id', 'tenant_id', 'actor_type'];

/** The table exactly as ensurePermissionAuditTable created it before issue 18 (chained). */
async function createOldTable(knex, dialect, tableName) {
  const json = (t, name) =>
    dialect === 'postgres' ? t.jsonb(name) : dialect === 'mysql' ? t.json(name) : t.text(name);
  await knex.schema.createTable(tableName, (t) => {
    t.bigIncrements('id').primary();
    t.datetime('created_at', { precision: 3 })
      .notNullable()
      .defaultTo(dialect === 'sqlite' ? knex.fn.now() : knex.fn.now(3));
    t.datetime('timestamp', { precision: 3 }).notNullable();
    t.string('action', 32).notNullable();
    json(t, 'attributes').notNullable();
    t.boolean('granted').notNullable();
    t.boolean('bypassed').notNullable().defaultTo(false);
    t.string('manager', 255).nullable();
    t.string('user_id', 255).nullable();
    t.text('user_repr').nullable();
    json(t, 'permissions').notNullable();
    json(t, 'metadata').nullable();
    t.string('chain_id', 64).nullable();
    t.bigInteger('seq').nullable();
    t.string('prev_hash', 64).nullable();
    t.string('hash', 64).nullable();
    t.string('key_id', 64).nullable();
    for (const column of ['timestamp', 'granted', 'manager']) t.index([column], `${tableName}_${column}_idx`);
    t.unique(['chain_id', 'seq'], { indexName: `${tableName}_chain_seq_idx` });
  });
  // As that logger bound them: UTC text on SQLite and MySQL, a Date for PostgreSQL's timestamptz.
  const time = (text) => (dialect === 'postgres' ? new Date(`${text.replace(' ', 'T')}Z`) : text);
  for (const row of FIXTURE.rows) {
    await knex(tableName).insert({ ...row, created_at: time(row.created_at), timestamp: time(row.timestamp) });
  }
}

async function columnsOf(knex, table) {
  return Object.keys(await knex(table).columnInfo()).map((name) => name.toLowerCase());
}

/** Runs the shipped migrations directory with the permission table (and unique event tables) from the environment. */
async function migrateDirectory(knex, env, action = 'latest') {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return await knex.migrate[action]({
      directory: MIGRATIONS_DIR,
      tableName: env.MIGRATIONS,
      loadExtensions: ['.js'],
    });
  } finally {
    for (const key of Object.keys(env)) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  }
}

function decision(n) {
  return createPermissionAuditEvent({
    action: 'update',
    attributes: ['budget'],
    granted: n % 2 === 0,
    manager: 'Project',
    user: { id: String(n), repr: `u${n}` },
    permissions: ['isAdmin'],
    metadata: { n },
  });
}

/** A decision as emitted inside a request of tenant `acme` whose actor is an API key (or anonymous for odd n). */
function requestDecision(n) {
  const context = new AuditContext({
    requestId: `r-${n}`,
    tenantId: 'acme',
    actor: n % 2 === 0 ? { type: 'api_key', id: 'key-1', repr: 'deploy key' } : null,
  });
  return enrichEvent(
    createPermissionAuditEvent({ action: 'read', granted: true, manager: 'Invoice', metadata: { n } }),
    context,
  );
}

forEachDialect('permission table upgrade: event_id, tenant_id, actor_type (issues 17, 18)', (ctx, dialect) => {
  const tables = [];
  afterEach(() => dropAll(ctx.knex, tables));

  function names() {
    const permissionTable = uniqueTable('pmig');
    const env = {
      AUDIT_EVENTS_TABLE: `${permissionTable}_ev`,
      AUDIT_EVENTS_ARCHIVE_TABLE: `${permissionTable}_evarc`,
      AUDIT_EVENTS_PERMISSION_TABLES: permissionTable,
      MIGRATIONS: `${permissionTable}_mig`,
    };
    tables.push(
      permissionTable,
      env.AUDIT_EVENTS_TABLE,
      env.AUDIT_EVENTS_ARCHIVE_TABLE,
      env.MIGRATIONS,
      `${env.MIGRATIONS}_lock`,
    );
    return { permissionTable, env };
  }

  it('the old table and its chained rows are what that version wrote: they verify before the upgrade', async () => {
    const { permissionTable } = names();
    await createOldTable(ctx.knex, dialect, permissionTable);
    for (const column of MODEL_COLUMNS) expect(await columnsOf(ctx.knex, permissionTable)).not.to.include(column);
    expect(verdicts(await verifyPermissionLog(ctx.knex, { tableName: permissionTable }))).to.deep.equal({
      'old-writer': 'valid',
    });
  });

  it('the migrations directory upgrades it: old rows verify (library and CLI), new rows carry event_id and are chained', async () => {
    const { permissionTable, env } = names();
    await createOldTable(ctx.knex, dialect, permissionTable);
    await migrateDirectory(ctx.knex, env);
    const columns = await columnsOf(ctx.knex, permissionTable);
    for (const column of MODEL_COLUMNS) expect(columns).to.include(column);
    // Old rows keep null in the new columns (many nulls side by side in the unique index).
    const old = await ctx.knex(permissionTable).select(...MODEL_COLUMNS);
    expect(old.every((row) => MODEL_COLUMNS.every((c) => row[c] === null))).to.equal(true);
    expect(verdicts(await verifyPermissionLog(ctx.knex, { tableName: permissionTable }))).to.deep.equal({
      'old-writer': 'valid',
    });

    // The old chain continues, and a new one starts, on the upgraded table (no DDL by the loggers).
    for (const chainId of ['old-writer', 'new-writer']) {
      const logger = new DatabaseAuditLogger({
        knex: ctx.knex,
        tableName: permissionTable,
        integrity: { chainId },
        createTable: false,
        ...quiet,
      });
      for (let n = 0; n < 3; n++) logger.record(chainId === 'old-writer' ? decision(n) : requestDecision(n));
      await logger.close();
      expect(logger.failedCount).to.equal(0);
    }
    const fresh = await ctx
      .knex(permissionTable)
      .whereNotNull('event_id')
      .orderBy('id')
      .select('event_id', 'chain_id', 'seq', 'tenant_id', 'actor_type', 'user_id');
    expect(fresh).to.have.length(6);
    expect(new Set(fresh.map((r) => r.event_id)).size).to.equal(6);
    expect(fresh.map((r) => [r.tenant_id, r.actor_type, r.user_id])).to.deep.equal([
      [null, 'user', '0'],
      [null, 'user', '1'],
      [null, 'user', '2'],
      ['acme', 'api_key', 'key-1'],
      ['acme', 'anonymous', null],
      ['acme', 'api_key', 'key-1'],
    ]);
    expect(fresh.map((r) => `${r.chain_id}:${Number(r.seq)}`)).to.deep.equal([
      'old-writer:6',
      'old-writer:7',
      'old-writer:8',
      'new-writer:1',
      'new-writer:2',
      'new-writer:3',
    ]);
    expect(verdicts(await verifyPermissionLog(ctx.knex, { tableName: permissionTable }))).to.deep.equal({
      'new-writer': 'valid',
      'old-writer': 'valid',
    });
    const cli = await runCli(['verify', '--db', dbUrl(dialect, ctx), '--permission-table', permissionTable, '--json']);
    expect(cli.code, cli.stderr + cli.stdout).to.equal(0);

    // The new columns are covered by the hash: a decision moved to another id, tenant or actor
    // type is caught — also a tenant written into a row that had none.
    const tamper = [
      { event_id: '01957a3c-5e10-7000-8a3b-1c2d3e4f5a6b' },
      { tenant_id: 'globex' },
      { actor_type: 'system' },
      { tenant_id: 'acme' }, // on an old-writer row written without a tenant
    ];
    for (const [i, change] of tamper.entries()) {
      const chainId = i === 3 ? 'old-writer' : 'new-writer';
      const where = { chain_id: chainId, seq: i === 3 ? 7 : 2 };
      const [before] = await ctx.knex(permissionTable).where(where).select('event_id', 'tenant_id', 'actor_type');
      await ctx.knex(permissionTable).where(where).update(change);
      const report = verdicts(await verifyPermissionLog(ctx.knex, { tableName: permissionTable }));
      expect(report[chainId], JSON.stringify(change)).to.equal(`hash-mismatch@${where.seq}`);
      await ctx.knex(permissionTable).where(where).update(before);
    }
    expect(verdicts(await verifyPermissionLog(ctx.knex, { tableName: permissionTable }))).to.deep.equal({
      'new-writer': 'valid',
      'old-writer': 'valid',
    });
  });

  it('the migration is idempotent, and its down refuses while rows hold event ids (they would lose exactly-once and their hashes)', async () => {
    const { permissionTable, env } = names();
    await createOldTable(ctx.knex, dialect, permissionTable);
    await migrateDirectory(ctx.knex, env);
    // Down on old rows only: the columns go, the old chain still verifies; up again.
    await migrateDirectory(ctx.knex, env, 'down');
    for (const column of MODEL_COLUMNS) expect(await columnsOf(ctx.knex, permissionTable)).not.to.include(column);
    expect(verdicts(await verifyPermissionLog(ctx.knex, { tableName: permissionTable }))).to.deep.equal({
      'old-writer': 'valid',
    });
    await migrateDirectory(ctx.knex, env, 'up');
    const logger = new DatabaseAuditLogger({
      knex: ctx.knex,
      tableName: permissionTable,
      createTable: false,
      ...quiet,
    });
    logger.record(decision(1));
    await logger.close();
    // knex prints the failed migration itself: captured and checked, not printed into a passing run.
    const { result: refused, console: printed } = await captureOutput(() =>
      migrateDirectory(ctx.knex, env, 'down').then(
        () => null,
        (err) => err,
      ),
    );
    expect(printed.map((line) => line.text).join('\n')).to.match(/refusing to drop/);
    expect(refused).to.be.instanceOf(ConfigurationError);
    expect(refused.message).to.match(/refusing to drop event_id, tenant_id, actor_type/);
    expect(await columnsOf(ctx.knex, permissionTable)).to.include('event_id');
  });

  it('`audit-events migrate --permission-table` upgrades it too, and running it again changes nothing', async () => {
    const { permissionTable, env } = names();
    await createOldTable(ctx.knex, dialect, permissionTable);
    const args = [
      'migrate',
      '--db',
      dbUrl(dialect, ctx),
      '--table',
      env.AUDIT_EVENTS_TABLE,
      '--archive-table',
      env.AUDIT_EVENTS_ARCHIVE_TABLE,
      '--permission-table',
      permissionTable,
    ];
    const first = await runCli(args);
    expect(first.code, first.stderr).to.equal(0);
    for (const column of MODEL_COLUMNS) expect(await columnsOf(ctx.knex, permissionTable)).to.include(column);
    expect((await runCli(args)).code).to.equal(0);
    expect(verdicts(await verifyPermissionLog(ctx.knex, { tableName: permissionTable }))).to.deep.equal({
      'old-writer': 'valid',
    });
  });

  it('a logger with createTable (the default) upgrades the table it finds; with createTable: false it names the migration instead', async () => {
    const { permissionTable } = names();
    await createOldTable(ctx.knex, dialect, permissionTable);
    const errors = [];
    const strict = new DatabaseAuditLogger({
      knex: ctx.knex,
      tableName: permissionTable,
      createTable: false,
      maxRetries: 0,
      onError: (err) => errors.push(err),
      ...quiet,
    });
    strict.record(decision(0));
    await strict.close();
    expect(strict.failedCount).to.equal(1);
    // onError gets the logger's StoreWriteError, the ConfigurationError as its cause.
    const cause = errors[0].cause ?? errors[0];
    expect(cause).to.be.instanceOf(ConfigurationError);
    expect(cause.message).to.match(/no event_id, tenant_id, actor_type column.*20261204000100/);

    const logger = new DatabaseAuditLogger({
      knex: ctx.knex,
      tableName: permissionTable,
      integrity: { chainId: 'old-writer' },
      ...quiet,
    });
    logger.record(decision(1));
    await logger.close();
    expect(logger.failedCount).to.equal(0);
    expect(
      await ctx
        .knex(permissionTable)
        .whereNotNull('event_id')
        .count({ n: '*' })
        .then(([r]) => Number(r.n)),
    ).to.equal(1);
    expect(verdicts(await verifyPermissionLog(ctx.knex, { tableName: permissionTable }))).to.deep.equal({
      'old-writer': 'valid',
    });
  });
});
