import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ConfigurationError,
  FileAuditLogger,
  MemoryAuditLogger,
  configureAuditLogger,
  configureAuditLoggerFromSettings,
  emitPermissionAuditEvent,
  getAuditLogger,
  resolveAuditLoggerSetting,
} from '@audit-events/core';

const testDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const baseDir = testDir; // relative specifiers below are relative to test/
const ESM = './fixtures/loggers/esm-loggers.mjs';
const CJS = join(testDir, 'fixtures', 'loggers', 'cjs-loggers.cjs');

describe('configureAuditLoggerFromSettings', () => {
  afterEach(async () => {
    await configureAuditLogger(null);
  });

  describe('accepted forms', () => {
    it('null or undefined: logging off (and the previous logger closed)', async () => {
      const previous = new MemoryAuditLogger();
      configureAuditLogger(previous);
      expect(await configureAuditLoggerFromSettings(null)).to.equal(null);
      expect(getAuditLogger()).to.equal(null);
      previous.record({});
      expect(previous.droppedCount).to.equal(1, 'the replaced logger was closed');
      expect(await configureAuditLoggerFromSettings(undefined)).to.equal(null);
    });

    it('an instance is installed as is', async () => {
      const memory = new MemoryAuditLogger();
      expect(await configureAuditLoggerFromSettings(memory)).to.equal(memory);
      expect(getAuditLogger()).to.equal(memory);
    });

    it('a class is constructed with no arguments', async () => {
      const logger = await configureAuditLoggerFromSettings(MemoryAuditLogger);
      expect(logger).to.be.instanceOf(MemoryAuditLogger);
      emitPermissionAuditEvent({ action: 'read', granted: true });
      expect(logger.events).to.have.length(1);
    });

    it('a factory (sync or async) is called; returning null turns logging off explicitly', async () => {
      const made = new MemoryAuditLogger();
      expect(await resolveAuditLoggerSetting(() => made)).to.equal(made);
      expect(await resolveAuditLoggerSetting(async () => made)).to.equal(made);
      expect(await resolveAuditLoggerSetting(() => null)).to.equal(null);
    });

    it('"path#Export" loads an ES module relative to baseDir', async () => {
      const logger = await resolveAuditLoggerSetting(`${ESM}#EsmLogger`, { baseDir });
      expect(logger.constructor.name).to.equal('EsmLogger');
      const factoryMade = await resolveAuditLoggerSetting(`${ESM}#createLoggerAsync`, { baseDir });
      expect(factoryMade.options).to.deep.equal({ async: true });
      const instance = await resolveAuditLoggerSetting(`${ESM}#sharedInstance`, { baseDir });
      expect(instance.options).to.deep.equal({ shared: true });
      const viaDefault = await resolveAuditLoggerSetting(ESM, { baseDir });
      expect(viaDefault.constructor.name).to.equal('EsmLogger');
    });

    it('"path#Export" loads a CommonJS module (absolute path), and its module.exports as default', async () => {
      const logger = await resolveAuditLoggerSetting(`${CJS}#CjsLogger`);
      expect(logger.constructor.name).to.equal('CjsLogger');
      const made = await resolveAuditLoggerSetting(`${CJS}#makeLogger`);
      expect(made.constructor.name).to.equal('CjsLogger');
      const viaDefault = await resolveAuditLoggerSetting(join(testDir, 'fixtures', 'loggers', 'cjs-default.cjs'));
      expect(viaDefault.constructor.name).to.equal('DefaultCjsLogger');
    });

    it('"package#Export" resolves a package by name', async () => {
      const logger = await resolveAuditLoggerSetting('@audit-events/core#MemoryAuditLogger', { baseDir });
      expect(logger).to.be.instanceOf(MemoryAuditLogger);
    });

    it('{ class, options } constructs or calls `class` with the options', async () => {
      const fromPath = await resolveAuditLoggerSetting(
        { class: `${ESM}#EsmLogger`, options: { region: 'eu' } },
        { baseDir },
      );
      expect(fromPath.options).to.deep.equal({ region: 'eu' });
      const fromFactory = await resolveAuditLoggerSetting({ class: `${CJS}#makeLogger`, options: { a: 1 } });
      expect(fromFactory.options).to.deep.equal({ a: 1 });
      const dir = mkdtempSync(join(tmpdir(), 'audit-settings-'));
      try {
        const file = join(dir, 'perm.log');
        const fileLogger = await configureAuditLoggerFromSettings({
          class: FileAuditLogger,
          options: { path: file, flushOnExit: false, reopenOnSighup: false },
        });
        expect(fileLogger).to.be.instanceOf(FileAuditLogger);
        emitPermissionAuditEvent({ action: 'update', granted: false });
        await fileLogger.close();
        expect(JSON.parse(readFileSync(file, 'utf8')).granted).to.equal(false);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('errors name what was wrong (never a silent "logging off")', () => {
    const cases = [
      [
        'options that are not an object',
        { class: MemoryAuditLogger, options: ['x'] },
        'auditLogger.options',
        /must be an object, got an array/,
      ],
      [
        'options that are a string',
        { class: MemoryAuditLogger, options: 'fast' },
        'auditLogger.options',
        /must be an object/,
      ],
      [
        'an unknown key in the mapping',
        { class: MemoryAuditLogger, option: {} },
        'auditLogger',
        /unknown key\(s\) option/,
      ],
      ['a class that is a number', { class: 42 }, 'auditLogger.class', /must be a class/],
      ['a missing module', './fixtures/loggers/nope.mjs#X', 'auditLogger', /cannot load/],
      ['a missing export', `${ESM}#Nope`, 'auditLogger', /has no export "Nope".*EsmLogger/],
      ['an export that is not a logger', `${ESM}#notALogger`, 'auditLogger', /not|expected a logger/],
      [
        'a factory returning junk',
        `${ESM}#factoryReturnsJunk`,
        'auditLogger',
        /produced number 42, which is not an AuditLogger/,
      ],
      [
        'a constructor that throws',
        `${ESM}#ThrowingLogger`,
        'auditLogger',
        /ThrowingLogger.*threw: missing credentials/,
      ],
      ['a malformed specifier', '#Export', 'auditLogger', /not "module#Export"/],
      ['a number', 5, 'auditLogger', /got number 5/],
      ['an object without record()', { write() {} }, 'auditLogger', /an object without a record\(\) method/],
      [
        'options given to an instance',
        { class: `${ESM}#sharedInstance`, options: {} },
        'auditLogger.class',
        /already a logger instance/,
      ],
    ];
    for (const [title, setting, name, message] of cases) {
      it(title, async () => {
        const previous = new MemoryAuditLogger();
        configureAuditLogger(previous);
        let error;
        try {
          await configureAuditLoggerFromSettings(setting, { baseDir });
        } catch (err) {
          error = err;
        }
        expect(error, 'it must throw').to.be.instanceOf(ConfigurationError);
        expect(error.code).to.equal('AUDIT_BAD_CONFIG');
        expect(error.setting).to.equal(name);
        expect(error.message).to.match(message);
        expect(getAuditLogger()).to.equal(previous, 'a bad setting leaves the current logger in place');
      });
    }
  });
});
