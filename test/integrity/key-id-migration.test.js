// Issue 22: the key_id column reaches tables created before keyed chains — through the shipped
// migrations directory (event, archive and permission tables), auditEventsMigrationSource, and
// `audit-events migrate` — and chains written before still verify.
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import {
  DatabaseAuditLogger,
  ensurePermissionAuditTable,
  KeySet,
  KnexEventStore,
  verifyPermissionLog,
} from '@audit-events/knex';
import { createPermissionAuditEvent } from '@audit-events/core';
import { dbUrl, runCli } from '../cli/harness.js';
import { forEachDialect, uniqueTable } from '../helpers/databases.js';
import { dropAll, makeEvent, verdicts } from './support.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('../../packages/knex/migrations', import.meta.url));
const quiet = { flushOnExit: false, handleSignals: false };

async function columnsOf(knex, table) {
  return Object.keys(await knex(table).columnInfo());
}

forEachDialect('key_id migration (issue 22)', (ctx, dialect) => {
  const tables = [];
  afterEach(() => dropAll(ctx.knex, tables));

  /** Event, archive and permission tables as they were before issue 22: chained, without key_id. */
  async function oldTables() {
    const tableName = uniqueTable('kmig');
    const archiveTableName = `${tableName}_arc`;
    const permissionTable = `${tableName}_perm`;
    const migrations = `${tableName}_mig`;
    tables.push(tableName, archiveTableName, permissionTable, migrations, `${migrations}_lock`);
    const store = new KnexEventStore(ctx.knex, {
      tableName,
      archiveTableName,
      integrity: { chainId: 'old' },
      lingerMs: 0,
    });
    await store.migrate();
    await ensurePermissionAuditTable(ctx.knex, permissionTable, { chainColumns: true });
    for (const t of [tableName, archiveTableName, permissionTable]) {
      await ctx.knex.schema.alterTable(t, (b) => b.dropColumn('key_id'));
      expect(await columnsOf(ctx.knex, t)).not.to.include('key_id');
    }
    await store.save([makeEvent(), makeEvent()]);
    const logger = new DatabaseAuditLogger({
      knex: ctx.knex,
      tableName: permissionTable,
      integrity: { chainId: 'oldp' },
      createTable: false,
      ...quiet,
    });
    logger.record(createPermissionAuditEvent({ action: 'read', attributes: ['a'], granted: true, permissions: ['p'] }));
    await logger.close();
    return { store, tableName, archiveTableName, permissionTable, migrations };
  }

  it('the shipped migrations directory adds key_id to event, archive and permission tables; old chains verify', async () => {
    const { store, tableName, archiveTableName, permissionTable, migrations } = await oldTables();
    const saved = { ...process.env };
    Object.assign(process.env, {
      AUDIT_EVENTS_TABLE: tableName,
      AUDIT_EVENTS_ARCHIVE_TABLE: archiveTableName,
      AUDIT_EVENTS_PERMISSION_TABLES: permissionTable,
    });
    try {
      await ctx.knex.migrate.latest({ directory: MIGRATIONS_DIR, tableName: migrations, loadExtensions: ['.js'] });
    } finally {
      for (const k of ['AUDIT_EVENTS_TABLE', 'AUDIT_EVENTS_ARCHIVE_TABLE', 'AUDIT_EVENTS_PERMISSION_TABLES']) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
    for (const t of [tableName, archiveTableName, permissionTable])
      expect(await columnsOf(ctx.knex, t)).to.include('key_id');
    expect(verdicts(await store.verify())).to.deep.equal({ old: 'valid' });
    expect(verdicts(await verifyPermissionLog(ctx.knex, { tableName: permissionTable }))).to.deep.equal({
      oldp: 'valid',
    });

    // Keyed writing works on the migrated tables, next to the old chain.
    const key = { id: 'k1', secret: randomBytes(32).toString('base64') };
    const keyed = new KnexEventStore(ctx.knex, {
      tableName,
      archiveTableName,
      integrity: { chainId: 'new', key },
      lingerMs: 0,
    });
    await keyed.save([makeEvent()]);
    expect(verdicts(await keyed.verify({ keys: new KeySet([key], null), allowUnkeyed: true }))).to.deep.equal({
      new: 'valid',
      old: 'valid',
    });
  });

  it('`audit-events migrate --permission-table` adds key_id to all three tables', async () => {
    const { tableName, archiveTableName, permissionTable } = await oldTables();
    const r = await runCli([
      'migrate',
      '--db',
      dbUrl(dialect, ctx),
      '--table',
      tableName,
      '--archive-table',
      archiveTableName,
      '--permission-table',
      permissionTable,
    ]);
    expect(r.code, r.stderr).to.equal(0);
    for (const t of [tableName, archiveTableName, permissionTable])
      expect(await columnsOf(ctx.knex, t)).to.include('key_id');
    expect(
      (
        await runCli([
          'migrate',
          '--db',
          dbUrl(dialect, ctx),
          '--table',
          tableName,
          '--archive-table',
          archiveTableName,
          '--permission-table',
          permissionTable,
        ])
      ).code,
    ).to.equal(0);
  });
});
