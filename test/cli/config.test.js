import { expect } from 'chai';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveSettings } from '@audit-events/cli/internal';
import { emptyDir } from './harness.js';

async function badConfig(promise) {
  try {
    await promise;
  } catch (err) {
    expect(err.code).to.equal('AUDIT_BAD_CONFIG');
    return err;
  }
  throw new Error('expected a ConfigurationError');
}

describe('cli: settings (flags, environment, config file)', function () {
  it('takes --db before AUDIT_EVENTS_DB before the config file', async function () {
    const dir = emptyDir();
    writeFileSync(join(dir, 'audit-events.config.json'), JSON.stringify({ db: 'sqlite:file.db' }));
    const env = { AUDIT_EVENTS_DB: 'sqlite:env.db' };

    const fromFlag = await resolveSettings({ db: 'sqlite:flag.db' }, env, dir);
    expect(fromFlag.target.knexConfig.connection.filename).to.equal(join(dir, 'flag.db'));
    expect(fromFlag.source).to.equal('--db');

    const fromEnv = await resolveSettings({}, env, dir);
    expect(fromEnv.target.knexConfig.connection.filename).to.equal(join(dir, 'env.db'));
    expect(fromEnv.source).to.equal('AUDIT_EVENTS_DB');

    const fromFile = await resolveSettings({}, { AUDIT_EVENTS_DB: '  ' }, dir);
    expect(fromFile.target.knexConfig.connection.filename).to.equal(join(dir, 'file.db'));
    expect(fromFile.source).to.equal(join(dir, 'audit-events.config.json'));
  });

  it('resolves a relative sqlite: path in a config file against the file, not the cwd', async function () {
    const dir = emptyDir();
    mkdirSync(join(dir, 'etc'));
    writeFileSync(join(dir, 'etc', 'audit.json'), JSON.stringify({ db: 'sqlite:./data/audit.db' }));
    const s = await resolveSettings({ config: 'etc/audit.json' }, {}, dir);
    expect(s.target.knexConfig.connection.filename).to.equal(join(dir, 'etc', 'data', 'audit.db'));
  });

  it('takes table names from flags, then environment, then the file', async function () {
    const dir = emptyDir();
    writeFileSync(
      join(dir, 'audit-events.config.json'),
      JSON.stringify({ db: 'sqlite:a.db', table: 'file_events', archiveTable: 'file_archive' }),
    );
    expect(await resolveSettings({}, {}, dir)).to.include({ table: 'file_events', archiveTable: 'file_archive' });
    const env = { AUDIT_EVENTS_TABLE: 'env_events', AUDIT_EVENTS_ARCHIVE_TABLE: 'env_archive' };
    expect(await resolveSettings({}, env, dir)).to.include({ table: 'env_events', archiveTable: 'env_archive' });
    expect(await resolveSettings({ table: 'flag_events', archiveTable: 'flag_archive' }, env, dir)).to.include({
      table: 'flag_events',
      archiveTable: 'flag_archive',
    });
  });

  it('leaves the tables to the store when nobody names them', async function () {
    const s = await resolveSettings({ db: 'sqlite::memory:' }, {}, emptyDir());
    expect(s.table).to.equal(undefined);
    expect(s.archiveTable).to.equal(undefined);
  });

  it('says how to give a database when there is none', async function () {
    const err = await badConfig(resolveSettings({}, {}, emptyDir()));
    expect(err.message).to.include('--db');
    expect(err.message).to.include('AUDIT_EVENTS_DB');
    expect(err.message).to.include('audit-events.config.json');
  });

  it('fails on a named config file that does not exist', async function () {
    const err = await badConfig(resolveSettings({ config: 'nope.json' }, {}, emptyDir()));
    expect(err.message).to.match(/nope\.json does not exist/);
  });

  it('reports invalid JSON by position without quoting the file (which may hold a password)', async function () {
    const dir = emptyDir();
    writeFileSync(join(dir, 'audit-events.config.json'), '{\n  "db": "mysql://root:hunter2@db/x",\n}\n');
    const err = await badConfig(resolveSettings({}, {}, dir));
    expect(err.message).to.match(/is not valid JSON \(line 3, column 1\)/);
    expect(err.message).not.to.include('hunter2');
  });

  it('rejects unknown keys, wrong types, and db together with knex', async function () {
    const dir = emptyDir();
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ db: 'sqlite:a.db', tabel: 'x' }));
    expect((await badConfig(resolveSettings({ config: file }, {}, dir))).setting).to.equal('config.tabel');
    writeFileSync(file, JSON.stringify({ db: 'sqlite:a.db', table: 5 }));
    expect((await badConfig(resolveSettings({ config: file }, {}, dir))).setting).to.equal('config.table');
    writeFileSync(file, JSON.stringify({ db: 'sqlite:a.db', knex: { client: 'sqlite3' } }));
    expect((await badConfig(resolveSettings({ config: file }, {}, dir))).message).to.match(/both "db" and "knex"/);
    writeFileSync(file, '[1]');
    expect((await badConfig(resolveSettings({ config: file }, {}, dir))).message).to.match(/must hold an object/);
  });

  it('accepts a knex object: password masked in the display and registered as a secret, timeouts added', async function () {
    const dir = emptyDir();
    writeFileSync(
      join(dir, 'audit-events.config.json'),
      JSON.stringify({
        knex: {
          client: 'pg',
          connection: { host: 'db', port: 5433, user: 'app', password: 'hunter2', database: 'audit' },
        },
      }),
    );
    const s = await resolveSettings({ connectTimeoutMs: 2000 }, {}, dir);
    expect(s.target.dialect).to.equal('postgres');
    expect(s.target.display).to.equal('pg://app:****@db:5433/audit');
    expect(s.target.secrets).to.deep.equal(['hunter2']);
    expect(s.target.knexConfig.connection.connectionTimeoutMillis).to.equal(2000);
    expect(s.target.knexConfig.acquireConnectionTimeout).to.equal(3000);
  });

  it('loads a CommonJS module exporting a function', async function () {
    const dir = emptyDir();
    writeFileSync(
      join(dir, 'audit-events.config.cjs'),
      "module.exports = () => ({ db: 'postgres://u:' + 'pw' + '@h/db', table: 'cjs_events' });\n",
    );
    const s = await resolveSettings({}, {}, dir);
    expect(s.target.dialect).to.equal('postgres');
    expect(s.table).to.equal('cjs_events');
    expect(s.target.secrets).to.deep.equal(['pw']);
  });

  it('loads an ES module whose default export is an async function', async function () {
    const dir = emptyDir();
    writeFileSync(
      join(dir, 'audit-events.config.mjs'),
      "export default async () => ({ knex: { client: 'sqlite3', connection: { filename: ':memory:' } }, archiveTable: 'mjs_archive' });\n",
    );
    const s = await resolveSettings({}, {}, dir);
    expect(s.target.dialect).to.equal('sqlite');
    expect(s.target.knexConfig.useNullAsDefault).to.equal(true);
    expect(s.archiveTable).to.equal('mjs_archive');
  });

  it('reports a module that throws as a configuration error', async function () {
    const dir = emptyDir();
    writeFileSync(join(dir, 'audit-events.config.cjs'), "throw new Error('vault unavailable');\n");
    expect((await badConfig(resolveSettings({}, {}, dir))).message).to.match(/cannot load .*vault unavailable/);
  });
});
