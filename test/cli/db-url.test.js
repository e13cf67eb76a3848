import { expect } from 'chai';
import { parseDatabaseUrl } from '@audit-events/cli';
import { maskDatabaseUrl, DEFAULT_CONNECT_TIMEOUT_MS } from '@audit-events/cli/internal';

function badConfig(fn) {
  try {
    fn();
  } catch (err) {
    expect(err.code).to.equal('AUDIT_BAD_CONFIG');
    return err;
  }
  throw new Error('expected a ConfigurationError');
}

describe('cli: database URLs', function () {
  describe('sqlite', function () {
    it('resolves relative paths against the base directory', function () {
      for (const url of ['sqlite:./audit.db', 'sqlite:audit.db', 'sqlite://./audit.db']) {
        const t = parseDatabaseUrl(url, { baseDir: '/srv/app' });
        expect(t.dialect).to.equal('sqlite');
        expect(t.knexConfig.client).to.equal('sqlite3');
        expect(t.knexConfig.connection.filename, url).to.equal('/srv/app/audit.db');
        expect(t.display).to.equal('sqlite:/srv/app/audit.db');
      }
    });

    it('takes sqlite:///abs and sqlite:/abs as absolute paths', function () {
      expect(parseDatabaseUrl('sqlite:///var/lib/audit.db', { baseDir: '/x' }).knexConfig.connection.filename).to.equal(
        '/var/lib/audit.db',
      );
      expect(parseDatabaseUrl('sqlite:/var/lib/audit.db', { baseDir: '/x' }).knexConfig.connection.filename).to.equal(
        '/var/lib/audit.db',
      );
      expect(parseDatabaseUrl('SQLITE3:/a.db').knexConfig.connection.filename).to.equal('/a.db');
    });

    it('keeps :memory: on one connection', function () {
      const t = parseDatabaseUrl('sqlite::memory:');
      expect(t.knexConfig.connection.filename).to.equal(':memory:');
      expect(t.knexConfig.pool.max).to.equal(1);
      expect(t.display).to.equal('sqlite::memory:');
    });

    it('rejects a sqlite URL without a path', function () {
      expect(badConfig(() => parseDatabaseUrl('sqlite:')).message).to.match(/needs a file path/);
      expect(badConfig(() => parseDatabaseUrl('sqlite:?driver=sqlite3')).message).to.match(/needs a file path/);
    });

    it('driver=better-sqlite3 chooses that driver (same pragmas); other parameters and drivers are refused', function () {
      const t = parseDatabaseUrl('sqlite:./audit.db?driver=better-sqlite3', { baseDir: '/srv/app' });
      expect(t.knexConfig.client).to.equal('better-sqlite3');
      expect(t.knexConfig.connection.filename).to.equal('/srv/app/audit.db');
      expect(t.knexConfig.pool.max).to.equal(1);
      expect(t.display).to.equal('sqlite:/srv/app/audit.db');
      expect(parseDatabaseUrl('sqlite:/a.db?driver=sqlite3').knexConfig.client).to.equal('sqlite3');
      expect(parseDatabaseUrl('sqlite::memory:?driver=better-sqlite3').knexConfig.client).to.equal('better-sqlite3');
      expect(badConfig(() => parseDatabaseUrl('sqlite:/a.db?driver=sqlite')).message).to.match(
        /use driver=sqlite3 or driver=better-sqlite3/,
      );
      expect(badConfig(() => parseDatabaseUrl('sqlite:/a.db?mode=ro')).message).to.match(/unknown parameter "mode"/);
    });
  });

  describe('mysql / mariadb', function () {
    it('parses credentials (percent-decoded), host, port and database', function () {
      const t = parseDatabaseUrl('mysql://app:p%40ss%3Aw0rd@db.example:3307/audit');
      expect(t.dialect).to.equal('mysql');
      expect(t.knexConfig.client).to.equal('mysql2');
      expect(t.knexConfig.connection).to.include({
        host: 'db.example',
        port: 3307,
        user: 'app',
        password: 'p@ss:w0rd',
        database: 'audit',
        connectTimeout: DEFAULT_CONNECT_TIMEOUT_MS,
      });
      // The decoded password and the form typed in the URL: a driver may echo either.
      expect(t.secrets).to.deep.equal(['p@ss:w0rd', 'p%40ss%3Aw0rd']);
      expect(t.display).to.equal('mysql://app:****@db.example:3307/audit');
    });

    it('treats mariadb:// as MySQL with the default port, and applies the timeout', function () {
      const t = parseDatabaseUrl('mariadb://root@127.0.0.1/test', { connectTimeoutMs: 1500 });
      expect(t.knexConfig.client).to.equal('mysql2');
      expect(t.knexConfig.connection).to.include({ host: '127.0.0.1', port: 3306, user: 'root', connectTimeout: 1500 });
      expect(t.knexConfig.connection).not.to.have.property('password');
      expect(t.knexConfig.acquireConnectionTimeout).to.be.greaterThan(1500);
      expect(t.display).to.equal('mariadb://root@127.0.0.1:3306/test');
    });

    it('requires a database name', function () {
      const err = badConfig(() => parseDatabaseUrl('mysql://root:topsecret@localhost'));
      expect(err.message).to.match(/names no database/);
      expect(err.message).not.to.include('topsecret');
    });

    it('supports ssl=true|false and rejects unknown parameters', function () {
      expect(parseDatabaseUrl('mysql://h/db?ssl=true').knexConfig.connection.ssl).to.deep.equal({
        rejectUnauthorized: true,
      });
      expect(parseDatabaseUrl('mysql://h/db?ssl=false').knexConfig.connection.ssl).to.equal(false);
      const err = badConfig(() => parseDatabaseUrl('mysql://u:hunter2@h/db?charset=latin1'));
      expect(err.message).to.include('unsupported URL parameter "charset"');
      expect(err.message).not.to.include('hunter2');
    });
  });

  describe('postgres', function () {
    it('parses postgres:// and postgresql:// with defaults', function () {
      for (const scheme of ['postgres', 'postgresql']) {
        const t = parseDatabaseUrl(`${scheme}://postgres:s3cret@127.0.0.1/test`);
        expect(t.dialect).to.equal('postgres');
        expect(t.knexConfig.client).to.equal('pg');
        expect(t.knexConfig.connection).to.include({
          host: '127.0.0.1',
          port: 5432,
          user: 'postgres',
          password: 's3cret',
          database: 'test',
          connectionTimeoutMillis: DEFAULT_CONNECT_TIMEOUT_MS,
        });
        expect(t.display).to.equal(`${scheme}://postgres:****@127.0.0.1:5432/test`);
      }
    });

    it('allows no database (the server defaults to the user name) and IPv6 hosts', function () {
      const t = parseDatabaseUrl('postgres://u@[::1]:6543');
      expect(t.knexConfig.connection).to.include({ host: '::1', port: 6543 });
      expect(t.knexConfig.connection).not.to.have.property('database');
      expect(t.display).to.equal('postgres://u@[::1]:6543/');
    });

    it('maps sslmode like libpq does', function () {
      const ssl = (mode) => parseDatabaseUrl(`postgres://h/db?sslmode=${mode}`).knexConfig.connection.ssl;
      expect(ssl('disable')).to.equal(false);
      expect(ssl('require')).to.deep.equal({ rejectUnauthorized: false });
      expect(ssl('no-verify')).to.deep.equal({ rejectUnauthorized: false });
      expect(ssl('verify-full')).to.deep.equal({ rejectUnauthorized: true });
      expect(badConfig(() => ssl('prefer')).message).to.match(/sslmode must be/);
    });
  });

  describe('errors never show the password', function () {
    it('rejects an unknown scheme by name', function () {
      const err = badConfig(() => parseDatabaseUrl('redis://admin:hunter2@cache:6379/0'));
      expect(err.message).to.include('unknown database URL scheme "redis:"');
      expect(err.message).not.to.include('hunter2');
    });

    it('rejects text that is not a URL', function () {
      expect(badConfig(() => parseDatabaseUrl('./audit.db')).message).to.match(/is not a database URL/);
    });

    it('masks a password in a malformed URL', function () {
      const err = badConfig(() => parseDatabaseUrl('postgres://u:pa%zzword@h:99999/db'));
      expect(err.message).to.match(/malformed database URL \(postgres:\/\/\*\*\*\*@h:99999\)/);
      expect(err.message).not.to.include('zzword');
      // Invalid UTF-8 in the escapes: refused, still without the text.
      const utf8 = badConfig(() => parseDatabaseUrl('postgres://u:pa%ffzzword@h/db'));
      expect(utf8.message).to.match(/the password has a malformed %-escape/);
      expect(utf8.message).not.to.include('zzword');
    });

    it('maskDatabaseUrl masks credentials anywhere in a text', function () {
      const text = maskDatabaseUrl('failed: mysql://root:hunter2@db:3306/x and postgres://u:p@h/y');
      expect(text).to.equal('failed: mysql://root:****@db:3306/x and postgres://u:****@h/y');
    });
  });
});
