// Databases that cannot be reached: exit 4, a message naming host:port, never the password, and
// an answer within seconds even when the server accepts the TCP connection and then says nothing.
import { expect } from 'chai';
import { createServer } from 'node:net';
import { ExitCode } from '@audit-events/cli';
import { IN_CI, MYSQL_URL } from '../helpers/databases.js';
import { runCli } from './harness.js';

/** A TCP server that accepts connections and never answers: a hung or firewalled database. */
async function silentServer() {
  const sockets = new Set();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(resolve);
      }),
  };
}

describe('cli: unreachable databases (in-process)', function () {
  for (const [name, url] of [
    ['mysql', 'mysql://root:hunter2@127.0.0.1:1/test'],
    ['mariadb', 'mariadb://root:hunter2@127.0.0.1:1/test'],
    ['postgres', 'postgres://postgres:hunter2@127.0.0.1:1/test'],
  ]) {
    it(`${name} on a closed port: exit 4, host:port named, password masked`, async function () {
      const r = await runCli(['migrate', '--db', url]);
      expect(r.code).to.equal(ExitCode.DATABASE);
      expect(r.stderr).to.match(
        new RegExp(`^error: Cannot connect to ${name}://\\w+:\\*\\*\\*\\*@127\\.0\\.0\\.1:1/test: `),
      );
      expect(r.stderr).to.include('ECONNREFUSED 127.0.0.1:1');
      expect(r.stderr).to.include('(AUDIT_DB_UNREACHABLE)');
      expect(r.stderr + r.stdout).not.to.include('hunter2');
    });
  }

  it('a host name that resolves to several addresses still gets a non-empty reason', async function () {
    const r = await runCli(['archive', '--older-than', '1', '--db', 'postgres://u:hunter2@localhost:1/db']);
    expect(r.code).to.equal(4);
    expect(r.stderr).to.match(/Cannot connect to postgres:\/\/u:\*\*\*\*@localhost:1\/db: \S/);
    expect(r.stderr).to.include('ECONNREFUSED');
    expect(r.stderr).not.to.include('hunter2');
  });

  for (const scheme of ['mysql', 'postgres']) {
    it(`${scheme} server that never answers: gives up after --connect-timeout`, async function () {
      const server = await silentServer();
      try {
        const r = await runCli([
          'migrate',
          '--connect-timeout',
          '1',
          '--db',
          `${scheme}://app:hunter2@127.0.0.1:${server.port}/audit`,
        ]);
        expect(r.code).to.equal(ExitCode.DATABASE);
        expect(r.stderr).to.include(`@127.0.0.1:${server.port}/audit`);
        expect(r.stderr).to.match(/time(d)? ?out|timeout/i);
        expect(r.stderr).not.to.include('hunter2');
      } finally {
        await server.close();
      }
    });
  }

  it('a database that does not exist is a database error naming it', async function () {
    const r = await runCli(['migrate', '--db', 'postgres://postgres@127.0.0.1:5432/no_such_db_for_cli_tests']);
    if (r.code === 4 && /ECONNREFUSED/.test(r.stderr) && !IN_CI) this.skip();
    expect(r.code).to.equal(4);
    expect(r.stderr).to.include('no_such_db_for_cli_tests');
  });

  it('refused credentials are a database error without the password', async function () {
    const url = new URL(MYSQL_URL);
    url.password = 'wrong-hunter2';
    const r = await runCli(['migrate', '--db', url.href]);
    if (r.code === 0) this.skip(); // this server accepts any password for the user
    if (/ECONNREFUSED/.test(r.stderr) && !IN_CI) this.skip();
    expect(r.code).to.equal(4);
    expect(r.stderr).to.match(/Access denied/i);
    expect(r.stderr).not.to.include('hunter2');
  });
});
