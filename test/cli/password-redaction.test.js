// Issue 16 item 7: database passwords holding URL delimiters (`/ @ : % # ?`) must never reach the
// output, on any path that can name a database: a URL that does not parse, a URL that parses but
// is refused, an unreachable server, the environment variable and both config file forms, in
// text and in --json. Each password is made of segments that appear nowhere else, so any leaked
// fragment (not just the whole password) is caught.
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDatabaseUrl } from '@audit-events/cli';
import { maskDatabaseUrl } from '@audit-events/cli/internal';
import { MYSQL_URL, POSTGRES_URL } from '../helpers/databases.js';
import { emptyDir, runCli } from './harness.js';

const SEGMENTS = ['Qz7x', 'Wk4v', 'Jm2b', 'Hv9n', 'Tx5c', 'Ry3d', 'Lp8f'];

/** One password per delimiter, plus one with all of them and ones that start or end with one. */
const PASSWORDS = [
  ...['/', '@', ':', '%', '#', '?'].map((c) => `${SEGMENTS[0]}${c}${SEGMENTS[1]}`),
  `${SEGMENTS[0]}/${SEGMENTS[1]}@${SEGMENTS[2]}:${SEGMENTS[3]}%${SEGMENTS[4]}#${SEGMENTS[5]}?${SEGMENTS[6]}`,
  `@${SEGMENTS[0]}/`,
  `${SEGMENTS[0]}%zz${SEGMENTS[1]}`, // not a valid %-escape
  `${SEGMENTS[0]}%41${SEGMENTS[1]}`, // a valid one
  `${SEGMENTS[0]}@@${SEGMENTS[1]}//`,
];

function expectNoLeak(output, context) {
  for (const segment of SEGMENTS) expect(output, `${context}\n${output}`).not.to.include(segment);
}

/** URLs around `password` that fail in different places: parse, parameters, path, port, connect. */
function urlsAround(password) {
  return [
    `postgres://app:${password}@127.0.0.1:1/audit`, // unreachable
    `mysql://app:${password}@127.0.0.1:1/audit`,
    `mariadb://app:${password}@127.0.0.1:1/audit?ssl=maybe`, // bad parameter value
    `postgres://app:${password}@127.0.0.1:1/audit?sslmode=prefer`, // refused sslmode
    `postgres://app:${password}@127.0.0.1:1/audit?color=blue`, // unknown parameter
    `postgres://app:${password}@127.0.0.1:1/a/b`, // path is not a database name
    `mysql://app:${password}@127.0.0.1:1/`, // no database
    `postgres://app:${password}@127.0.0.1:99999/audit`, // port out of range
    `postgres://app:${password}@exa mple:1/audit`, // host with a space
    `postgres://app:${password}@[::1/audit`, // broken IPv6 literal
    // No host at all: by the last-@ rule, text after an @ in the password IS the host.
    ...(password.includes('@') ? [] : [`postgres://app:${password}`]),
  ];
}

describe('cli: passwords with URL delimiters are never printed (issue 16 item 7)', function () {
  this.timeout(60_000);

  it('parseDatabaseUrl: errors and the display name hold no part of the password', function () {
    for (const password of PASSWORDS) {
      for (const url of urlsAround(password)) {
        let message;
        let display = '';
        try {
          display = parseDatabaseUrl(url).display;
        } catch (err) {
          message = err.message;
        }
        expectNoLeak(`${message ?? ''} ${display}`, url);
      }
    }
  });

  it('splits the password at the last @, so raw delimiters reach the driver intact', function () {
    const raw = `${SEGMENTS[0]}/${SEGMENTS[1]}@${SEGMENTS[2]}:${SEGMENTS[3]}#${SEGMENTS[5]}?${SEGMENTS[6]}`;
    const t = parseDatabaseUrl(`postgres://app:${raw}@db.example:5433/audit?sslmode=require`);
    expect(t.knexConfig.connection).to.include({
      user: 'app',
      password: raw,
      host: 'db.example',
      port: 5433,
      database: 'audit',
    });
    expect(t.knexConfig.connection.ssl).to.deep.equal({ rejectUnauthorized: false });
    expect(t.display).to.equal('postgres://app:****@db.example:5433/audit');
    expect(t.secrets).to.include(raw);
    // Valid %-escapes are decoded (p%40ss is p@ss); a % that starts no escape is kept as it is.
    expect(parseDatabaseUrl('mysql://app:p%40ss@h/db').knexConfig.connection.password).to.equal('p@ss');
    expect(parseDatabaseUrl('mysql://app:50%off@h/db').knexConfig.connection.password).to.equal('50%off');
  });

  it('maskDatabaseUrl redacts from `scheme://user:` to the last @ of a token', function () {
    for (const password of PASSWORDS) {
      const text = maskDatabaseUrl(`connect failed for mysql://root:${password}@db:3306/x (after 5 s)`);
      expectNoLeak(text, password);
      expect(text).to.include('mysql://root:****@db:3306/x (after 5 s)');
    }
    // A password without any @ after it (a typo in the URL) is still masked up to the path.
    expect(maskDatabaseUrl('x postgres://u:Qz7xWk4v/db y')).to.equal('x postgres://u:****/db y');
    // A numeric port is a port, not a password.
    expect(maskDatabaseUrl('postgres://db:5432/app')).to.equal('postgres://db:5432/app');
  });

  for (const json of [false, true]) {
    const mode = json ? '--json' : 'text';
    it(`--db, ${mode}: no path prints the password`, async function () {
      for (const password of PASSWORDS) {
        for (const url of urlsAround(password)) {
          const args = ['migrate', '--connect-timeout', '1', '--db', url];
          if (json) args.push('--json');
          const r = await runCli(args);
          expect(r.code, `${url}\n${r.stderr}`).to.be.oneOf([3, 4]);
          expectNoLeak(r.stdout + r.stderr, url);
          if (json) expect(JSON.parse(r.stdout).ok).to.equal(false);
        }
      }
    });
  }

  it('AUDIT_EVENTS_DB and the verify command: no path prints the password', async function () {
    for (const password of PASSWORDS) {
      for (const url of urlsAround(password)) {
        const r = await runCli(['verify', '--json', '--connect-timeout', '1'], { env: { AUDIT_EVENTS_DB: url } });
        expect(r.code).to.be.oneOf([3, 4]);
        expectNoLeak(r.stdout + r.stderr, url);
      }
    }
  });

  it('config file `db` and `knex` connection strings: no path prints the password', async function () {
    for (const password of PASSWORDS) {
      for (const url of urlsAround(password)) {
        for (const config of [
          { db: url },
          { knex: { client: url.startsWith('postgres') ? 'pg' : 'mysql2', connection: url } },
        ]) {
          const dir = emptyDir();
          writeFileSync(join(dir, 'audit-events.config.json'), JSON.stringify(config));
          for (const json of [false, true]) {
            const args = ['migrate', '--connect-timeout', '1', ...(json ? ['--json'] : [])];
            const r = await runCli(args, { cwd: dir });
            expect(r.code, `${JSON.stringify(config)}\n${r.stderr}`).to.be.oneOf([1, 3, 4]);
            expectNoLeak(r.stdout + r.stderr, JSON.stringify(config));
          }
        }
      }
    }
  });

  it('config file `knex` object with such a password: the display and errors hide it', async function () {
    for (const password of PASSWORDS) {
      const dir = emptyDir();
      const connection = { host: '127.0.0.1', port: 1, user: 'app', password, database: 'audit' };
      writeFileSync(join(dir, 'audit-events.config.json'), JSON.stringify({ knex: { client: 'pg', connection } }));
      const r = await runCli(['migrate', '--json', '--connect-timeout', '1'], { cwd: dir });
      expect(r.code).to.equal(4);
      expectNoLeak(r.stdout + r.stderr, password);
    }
  });

  it('config module with a quote in the password: the syntax error is reported by line, not quoted', async function () {
    for (const name of ['audit-events.config.mjs', 'audit-events.config.cjs']) {
      const dir = emptyDir();
      const exported = name.endsWith('.mjs') ? 'export default' : 'module.exports =';
      writeFileSync(
        join(dir, name),
        `// config\n${exported} { db: 'postgres://app:${SEGMENTS[0]}'${SEGMENTS[1]}@db/app' };\n`,
      );
      for (const json of [false, true]) {
        const r = await runCli(['migrate', ...(json ? ['--json'] : [])], { cwd: dir });
        expect(r.code).to.equal(3);
        expect(r.stderr).to.match(
          name.endsWith('.cjs')
            ? /syntax error on line 2 \(the message is not shown/
            : /syntax error (on line 2 )?\(the message is not shown/,
        );
        expectNoLeak(r.stdout + r.stderr, name);
      }
    }
  });

  for (const [name, base] of [
    ['mariadb', MYSQL_URL],
    ['postgres', POSTGRES_URL],
  ]) {
    it(`${name} (a real server) refusing such a password: the driver's answer is printed, the password is not`, async function () {
      const url = new URL(base);
      for (const password of PASSWORDS) {
        const typed = `${url.protocol}//${url.username}:${password}@${url.host}${url.pathname}`;
        for (const json of [false, true]) {
          const r = await runCli(['verify', '--db', typed, ...(json ? ['--json'] : [])]);
          // A server that trusts loopback connections accepts any password: then nothing fails.
          expect(r.code, r.stderr).to.be.oneOf([0, 4]);
          expectNoLeak(r.stdout + r.stderr, typed);
        }
      }
    });
  }
});
