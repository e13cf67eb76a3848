// Audit files must not be readable by every local user (issue 16, item 13): the NDJSON file is
// created 0640 and SQLite's database, -wal and -shm files 0600 whatever the umask, and an existing
// file with looser permissions is reported once through a process warning.
import { expect } from 'chai';
import knexFactory from 'knex';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileAuditLogger } from '@audit-events/core';
import { DatabaseAuditLogger, sqliteKnexConfig } from '@audit-events/knex';
import { ev, warningsDuring } from './helpers.js';

const mode = (file) => statSync(file).mode & 0o777;

describe('file modes of audit files', () => {
  let dir;
  let umask;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'audit-modes-'));
    umask = process.umask(0o022);
  });
  afterEach(() => {
    process.umask(umask);
    rmSync(dir, { recursive: true, force: true });
  });

  describe('FileAuditLogger', () => {
    it('creates the NDJSON file 0640 under umask 022, also after a reopen', async () => {
      const file = join(dir, 'logs', 'permission.log');
      const logger = new FileAuditLogger(file, { flushOnExit: false, reopenOnSighup: false });
      logger.record(ev('a'));
      await logger.flush();
      expect(mode(file)).to.equal(0o640);
      rmSync(file);
      logger.reopen();
      logger.record(ev('b'));
      await logger.close();
      expect(mode(file)).to.equal(0o640);
    });

    it('warns once when an existing file is readable by others, and not for a mode within its own', async () => {
      const loose = join(dir, 'loose.log');
      writeFileSync(loose, '');
      chmodSync(loose, 0o644);
      const warnings = await warningsDuring('AUDIT_FILE_MODE_LOOSE', async () => {
        const first = new FileAuditLogger(loose, { flushOnExit: false, reopenOnSighup: false });
        first.reopen();
        await first.close();
        const second = new FileAuditLogger(loose, { flushOnExit: false, reopenOnSighup: false });
        await second.close();
      });
      expect(warnings).to.have.length(1);
      expect(warnings[0].message).to.include(loose);
      expect(warnings[0].message).to.match(/0644/);
      expect(mode(loose)).to.equal(0o644, 'an existing file keeps the mode its owner chose');

      const chosen = join(dir, 'chosen.log');
      writeFileSync(chosen, '');
      chmodSync(chosen, 0o644);
      const none = await warningsDuring('AUDIT_FILE_MODE_LOOSE', async () => {
        await new FileAuditLogger(chosen, { mode: 0o644, flushOnExit: false, reopenOnSighup: false }).close();
        const strict = join(dir, 'strict.log');
        writeFileSync(strict, '');
        chmodSync(strict, 0o600);
        await new FileAuditLogger(strict, { flushOnExit: false, reopenOnSighup: false }).close();
      });
      expect(none).to.have.length(0);
    });
  });

  for (const driver of ['sqlite3', 'better-sqlite3']) {
    describe(`SQLite through sqliteKnexConfig [${driver}]`, () => {
      it('creates the database, -wal and -shm files 0600 under umask 022', async () => {
        const filename = join(dir, 'audit.db');
        const knex = knexFactory(sqliteKnexConfig(filename, { driver }));
        try {
          const logger = new DatabaseAuditLogger({ knex, flushOnExit: false, handleSignals: false });
          logger.record(ev('a'));
          await logger.close();
          await knex('permission_audit_log').count({ n: '*' });
          for (const file of [filename, `${filename}-wal`, `${filename}-shm`]) {
            expect(existsSync(file), file).to.equal(true);
            expect(mode(file).toString(8), file).to.equal('600');
          }
        } finally {
          await knex.destroy();
        }
      });

      it('warns once about an existing database file readable by others', async () => {
        const filename = join(dir, 'old.db');
        writeFileSync(filename, '');
        chmodSync(filename, 0o644);
        const warnings = await warningsDuring('AUDIT_FILE_MODE_LOOSE', async () => {
          for (let i = 0; i < 2; i++) {
            const knex = knexFactory(sqliteKnexConfig(filename, { driver }));
            await knex.raw('select 1');
            await knex.destroy();
          }
        });
        expect(warnings).to.have.length(1);
        expect(warnings[0].message).to.include(filename);
      });

      it('keeps the connection settings readable (connection.filename) and :memory: working', async () => {
        const filename = join(dir, 'x.db');
        const config = sqliteKnexConfig(filename, { driver });
        expect(config.connection.filename).to.equal(filename);
        expect(existsSync(filename)).to.equal(false, 'nothing is created before a connection is opened');
        const memory = knexFactory(sqliteKnexConfig(':memory:', { driver }));
        try {
          expect((await memory.raw('select 1 as one')).length ?? 1).to.be.at.least(1);
        } finally {
          await memory.destroy();
        }
      });
    });
  }
});
