import { expect } from 'chai';
import { captureOutput } from '../helpers/output-capture.js';
import { fileURLToPath } from 'node:url';
import { ConfigurationError, InvalidIdentifierError } from '@audit-events/core';
import {
  KnexEventStore,
  auditEventsMigrationSource,
  AUDIT_EVENTS_MIGRATION_NAME,
  KEY_ID_MIGRATION_NAME,
  AUDIT_MODEL_MIGRATION_NAME,
  PERMISSION_MODEL_MIGRATION_NAME,
} from '@audit-events/knex';
import { forEachDialect, uniqueTable } from '../helpers/databases.js';
import { countQueries, dropAll, makeEvent, openStore } from './support.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('../../packages/knex/migrations', import.meta.url));
const DDL = /^\s*(create|alter|drop)\b/i;

const BASE_COLUMNS = [
  'id',
  'created_at',
  'content_type',
  'object_id',
  'content',
  'user_id',
  'user_repr',
  'url',
  'method',
  'ip',
  'request_id',
  'user_agent',
  'query_params',
  'post_data',
  'headers',
  'tenant_id',
  'actor_type',
  'action',
  'outcome',
  'reason', // the audit model: issue 17
];
const INTEGRITY_COLUMNS = ['chain_id', 'seq', 'prev_hash', 'hash', 'key_id']; // key_id: issue 22

async function columnsOf(knex, table) {
  return Object.keys(await knex(table).columnInfo()).sort();
}

async function indexesOf(knex, dialect, table) {
  if (dialect === 'postgres') {
    return (await knex.raw('select indexname as name from pg_indexes where tablename = ?', [table])).rows.map(
      (r) => r.name,
    );
  }
  if (dialect === 'mysql') {
    const [rows] = await knex.raw(
      'select distinct index_name as name from information_schema.statistics where table_schema = database() and table_name = ?',
      [table],
    );
    return rows.map((r) => r.name);
  }
  return (await knex.raw(`select name from sqlite_master where type = 'index' and tbl_name = ?`, [table])).map(
    (r) => r.name,
  );
}

async function columnType(knex, dialect, table, column) {
  if (dialect === 'sqlite') {
    return (await knex.raw(`pragma table_info(${table})`)).find((c) => c.name === column).type.toLowerCase();
  }
  if (dialect === 'postgres') {
    const { rows } = await knex.raw(
      'select data_type from information_schema.columns where table_name = ? and column_name = ?',
      [table, column],
    );
    return rows[0].data_type;
  }
  const [rows] = await knex.raw(
    'select column_type as t from information_schema.columns where table_schema = database() and table_name = ? and column_name = ?',
    [table, column],
  );
  return rows[0].t.toLowerCase();
}

forEachDialect('Schema and migrations', (ctx, dialect) => {
  const tables = [];
  afterEach(() => dropAll(ctx.knex, tables));

  it('migrate() creates both tables with every column, the integrity columns and the indexes', async () => {
    const store = await openStore(ctx.knex, tables, {
      extraColumns: [{ name: 'region_id', type: 'string', index: true }],
    });
    const t = store.tableName;
    const a = store.archiveTableName;
    const expected = [...BASE_COLUMNS, ...INTEGRITY_COLUMNS, 'region_id'].sort();
    expect(await columnsOf(ctx.knex, t)).to.deep.equal(expected);
    expect(await columnsOf(ctx.knex, a)).to.deep.equal([...expected, 'archived_at'].sort());
    for (const table of [t, a]) {
      const indexes = await indexesOf(ctx.knex, dialect, table);
      for (const suffix of [
        'created_at_idx',
        'content_object_idx',
        'user_id_idx',
        'request_id_idx',
        'chain_seq_uq',
        'region_id_idx',
        'tenant_created_idx',
        'action_created_idx',
      ]) {
        expect(indexes, `${table} ${suffix}`).to.include(`${table}_${suffix}`);
      }
    }
    const info = await ctx.knex(t).columnInfo();
    for (const column of INTEGRITY_COLUMNS) expect(info[column].nullable, column).to.equal(true);
    expect(info.content_type.nullable).to.equal(false);
  });

  it('uses JSON column types per dialect and millisecond timestamps', async () => {
    const store = await openStore(ctx.knex, tables);
    const t = store.tableName;
    const content = await columnType(ctx.knex, dialect, t, 'content');
    const createdAt = await columnType(ctx.knex, dialect, t, 'created_at');
    if (dialect === 'postgres') {
      expect(content).to.equal('jsonb');
      expect(createdAt).to.equal('timestamp with time zone');
    } else if (dialect === 'mysql') {
      expect(['json', 'longtext']).to.include(content); // MariaDB's JSON is LONGTEXT + json_valid()
      expect(createdAt).to.equal('datetime(3)');
      const err = await ctx
        .knex(t)
        .insert({ id: makeEvent().id, created_at: new Date(), content_type: 'x', object_id: '1', content: 'not json' })
        .catch((e) => e);
      expect(err).to.be.instanceOf(Error); // the JSON check rejects it
    } else {
      expect(content).to.equal('text');
      expect(createdAt).to.equal('datetime');
    }
    const event = makeEvent({ createdAt: new Date('2031-05-06T07:08:09.123Z') });
    await store.save([event]);
    const { events } = await store.find({ objectId: event.objectId });
    expect(events[0].createdAt.toISOString()).to.equal('2031-05-06T07:08:09.123Z');
  });

  it('enforces unique (chain_id, seq) while allowing any number of nulls', async () => {
    const store = await openStore(ctx.knex, tables);
    await store.save([makeEvent(), makeEvent()]); // chain columns null twice
    const [a, b] = await ctx.knex(store.tableName).select('id');
    await ctx
      .knex(store.tableName)
      .where({ id: a.id })
      .update({ chain_id: 'w1', seq: 1, prev_hash: '0'.repeat(64), hash: 'f'.repeat(64) });
    const err = await ctx
      .knex(store.tableName)
      .where({ id: b.id })
      .update({ chain_id: 'w1', seq: 1 })
      .catch((e) => e);
    expect(err).to.be.instanceOf(Error);
  });

  it('is idempotent: a second migrate() runs no DDL and changes nothing', async () => {
    const store = await openStore(ctx.knex, tables);
    const before = await columnsOf(ctx.knex, store.tableName);
    const counter = countQueries(ctx.knex, DDL);
    try {
      await store.migrate();
      await new KnexEventStore(ctx.knex, {
        tableName: store.tableName,
        archiveTableName: store.archiveTableName,
      }).migrate();
    } finally {
      counter.stop();
    }
    expect(counter.count).to.equal(0);
    expect(await columnsOf(ctx.knex, store.tableName)).to.deep.equal(before);
  });

  it('adds extra columns (and their indexes) declared after the tables were created', async () => {
    const store = await openStore(ctx.knex, tables);
    await store.save([makeEvent()]);
    const wider = new KnexEventStore(ctx.knex, {
      tableName: store.tableName,
      archiveTableName: store.archiveTableName,
      extraColumns: [
        { name: 'tenant', type: 'string', index: true },
        { name: 'weight', type: 'float' },
      ],
    });
    await wider.migrate();
    for (const table of [store.tableName, store.archiveTableName]) {
      expect(await columnsOf(ctx.knex, table)).to.include.members(['tenant', 'weight']);
      expect(await indexesOf(ctx.knex, dialect, table)).to.include(`${table}_tenant_idx`);
    }
    const event = makeEvent({ extra: { tenant: 'acme', weight: 1.5 } });
    await wider.save([event]);
    expect((await wider.find({ objectId: event.objectId })).events[0].extra).to.deep.equal({
      tenant: 'acme',
      weight: 1.5,
    });
  });

  it('handles table names up to 63 characters (index names are shortened with a hash)', async () => {
    const tableName = uniqueTable('l'.repeat(38));
    expect(tableName.length).to.be.at.least(50);
    const store = await openStore(ctx.knex, tables, { tableName, archiveTableName: `${tableName}_arc` });
    const indexes = await indexesOf(ctx.knex, dialect, store.archiveTableName);
    expect(indexes.filter((n) => n.endsWith('_content_object_idx'))).to.have.length(1);
    expect(indexes.filter((n) => !n.startsWith('sqlite_autoindex')).every((n) => n.length <= 63)).to.equal(true);
    await store.migrate(); // still idempotent with shortened names
  });

  describe('through knex migrate', () => {
    const migrationTables = [];
    afterEach(async () => {
      for (const name of migrationTables.splice(0)) {
        await ctx.knex.schema.dropTableIfExists(`${name}_lock`);
        await ctx.knex.schema.dropTableIfExists(name);
      }
    });

    function migrationsTable() {
      const name = uniqueTable('mig');
      migrationTables.push(name);
      return name;
    }

    it('creates the tables from auditEventsMigrationSource, then store.migrate() has nothing to do', async () => {
      const tableName = uniqueTable('ae');
      const archiveTableName = `${tableName}_arc`;
      tables.push(tableName, archiveTableName);
      const migrationSource = auditEventsMigrationSource({ tableName, archiveTableName });
      const migrations = migrationsTable();
      const [, log] = await ctx.knex.migrate.latest({ migrationSource, tableName: migrations });
      // Issue 22 added the key_id migration, issue 17 the audit-model one (no-ops on tables created
      // whole), issues 17/18 the permission model one (a no-op without permission tables).
      expect(log).to.have.length(4);
      expect(log[0]).to.match(new RegExp(`^20250601000000_audit_events_create_tables__${tableName}__`));
      expect(log[1]).to.match(new RegExp(`^20261203000000_audit_events_add_key_id__${tableName}__`));
      expect(log[2]).to.match(new RegExp(`^20261204000000_audit_events_audit_model__${tableName}__`));
      expect(log[3]).to.match(new RegExp(`^20261204000100_audit_events_permission_model__${tableName}__`));
      expect(await columnsOf(ctx.knex, archiveTableName)).to.include('archived_at');

      const counter = countQueries(ctx.knex, DDL);
      try {
        await new KnexEventStore(ctx.knex, { tableName, archiveTableName }).migrate();
      } finally {
        counter.stop();
      }
      expect(counter.count).to.equal(0);
      const [, again] = await ctx.knex.migrate.latest({ migrationSource, tableName: migrations });
      expect(again).to.deep.equal([]);
    });

    it('runs after store.migrate() without error, and rolls back only while the tables are empty', async () => {
      const store = await openStore(ctx.knex, tables);
      const migrationSource = auditEventsMigrationSource({
        tableName: store.tableName,
        archiveTableName: store.archiveTableName,
      });
      const migrations = migrationsTable();
      const [, log] = await ctx.knex.migrate.latest({ migrationSource, tableName: migrations });
      expect(log).to.have.length(4);

      await store.save([makeEvent()]);
      // knex's migrator logs the refusal on the console besides rejecting: asserted, not printed.
      const { result: refused, console: printed } = await captureOutput(() =>
        ctx.knex.migrate.rollback({ migrationSource, tableName: migrations }).catch((e) => e),
      );
      expect(printed.map((line) => line.text).join('\n')).to.match(
        /migration failed with error: migrate:down: refusing to drop/,
      );
      expect(refused).to.be.instanceOf(ConfigurationError);
      expect(refused.message).to.match(/refusing to drop/);
      expect(await ctx.knex.schema.hasTable(store.tableName)).to.equal(true);

      await ctx.knex(store.tableName).del();
      await ctx.knex.migrate.rollback({ migrationSource, tableName: migrations });
      expect(await ctx.knex.schema.hasTable(store.tableName)).to.equal(false);
      expect(await ctx.knex.schema.hasTable(store.archiveTableName)).to.equal(false);
    });

    it('runs the shipped migrations directory with table names and extra columns from the environment', async () => {
      const tableName = uniqueTable('ae');
      const archiveTableName = `${tableName}_arc`;
      tables.push(tableName, archiveTableName);
      const saved = { ...process.env };
      process.env.AUDIT_EVENTS_TABLE = tableName;
      process.env.AUDIT_EVENTS_ARCHIVE_TABLE = archiveTableName;
      process.env.AUDIT_EVENTS_EXTRA_COLUMNS = '[{"name":"region_id","type":"string","index":true}]';
      try {
        const migrations = migrationsTable();
        const [, log] = await ctx.knex.migrate.latest({
          directory: MIGRATIONS_DIR,
          tableName: migrations,
          loadExtensions: ['.js'],
        });
        expect(log).to.deep.equal([
          AUDIT_EVENTS_MIGRATION_NAME,
          KEY_ID_MIGRATION_NAME,
          AUDIT_MODEL_MIGRATION_NAME,
          PERMISSION_MODEL_MIGRATION_NAME,
        ]);
        expect(await columnsOf(ctx.knex, tableName)).to.include('region_id');
        expect(await columnsOf(ctx.knex, archiveTableName)).to.include.members(['region_id', 'archived_at']);

        const counter = countQueries(ctx.knex, DDL);
        try {
          const store = new KnexEventStore(ctx.knex, {
            tableName,
            archiveTableName,
            extraColumns: [{ name: 'region_id', type: 'string', index: true }],
          });
          await store.migrate();
        } finally {
          counter.stop();
        }
        expect(counter.count).to.equal(0);
      } finally {
        for (const key of ['AUDIT_EVENTS_TABLE', 'AUDIT_EVENTS_ARCHIVE_TABLE', 'AUDIT_EVENTS_EXTRA_COLUMNS']) {
          if (saved[key] === undefined) delete process.env[key];
          else process.env[key] = saved[key];
        }
      }
    });
  });

  it('rejects bad identifiers and options with typed errors before any SQL', async () => {
    const counter = countQueries(ctx.knex, /./);
    try {
      for (const tableName of ['bad name', 'x;drop table y', 'a.b.c', '1abc', '', 'a'.repeat(64), 42]) {
        expect(() => new KnexEventStore(ctx.knex, { tableName }), String(tableName)).to.throw(InvalidIdentifierError);
        expect(() => auditEventsMigrationSource({ archiveTableName: tableName })).to.throw(InvalidIdentifierError);
      }
      expect(() => new KnexEventStore(ctx.knex, { extraColumns: [{ name: 'x"y', type: 'string' }] })).to.throw(
        InvalidIdentifierError,
      );
      const config = [
        { extraColumns: [{ name: 'ok', type: 'varchar' }] },
        { extraColumns: [{ name: 'content', type: 'string' }] },
        {
          extraColumns: [
            { name: 'a', type: 'string' },
            { name: 'A', type: 'text' },
          ],
        },
        { extraColumns: 'tenant' },
        { tableName: 'same', archiveTableName: 'same' },
        { batchSize: 0 },
        { batchSize: 1.5 },
        { lingerMs: -1 },
        { writeTimeoutMs: 0 },
        { maxBindParameters: 0 },
        { mapRow: { toRow: 'nope' } },
        { mapRow: 5 },
        { writeTimeout: 500 }, // misspelt: would leave the 10 s default in force
        { batch_size: 10 },
      ];
      for (const options of config) {
        expect(() => new KnexEventStore(ctx.knex, options), JSON.stringify(options)).to.throw(ConfigurationError);
      }
      expect(() => new KnexEventStore(ctx.knex, { writeTimeout: 500 })).to.throw(
        ConfigurationError,
        /writeTimeout: unknown option/,
      );
      expect(() => new KnexEventStore(ctx.knex, null)).to.throw(ConfigurationError);
      expect(() => new KnexEventStore({}, {})).to.throw(ConfigurationError);
      const fake = () => {};
      fake.client = { dialect: 'mssql' };
      expect(() => new KnexEventStore(fake)).to.throw(ConfigurationError, /unsupported knex client/);
    } finally {
      counter.stop();
    }
    expect(counter.count).to.equal(0);
  });
});
