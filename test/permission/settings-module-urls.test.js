// Settings are trusted configuration, but a setting string must only ever name a package or a file:
// a data: or http(s): URL would execute code carried by the setting itself (issue 16, item 13).
import { expect } from 'chai';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  configureAuditLogger,
  configureAuditLoggerFromSettings,
  getAuditLogger,
  resolveAuditLoggerSetting,
} from '@audit-events/core';

const testDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const ESM_FILE = join(testDir, 'fixtures', 'loggers', 'esm-loggers.mjs');

describe('configureAuditLoggerFromSettings: module specifiers', () => {
  afterEach(async () => {
    delete globalThis.__auditSettingsPwned;
    await configureAuditLogger(null);
  });

  const payload = 'globalThis.__auditSettingsPwned = true; export default class { record() {} }';
  const refused = {
    'a data: URL': `data:text/javascript,${encodeURIComponent(payload)}`,
    'a data: URL with an export name': `data:text/javascript,${encodeURIComponent(payload)}#default`,
    'an upper-case DATA: URL': `DATA:text/javascript,${encodeURIComponent(payload)}`,
    'a data: URL with leading blanks': `  data:text/javascript,${encodeURIComponent(payload)}`,
    'an http: URL': 'http://127.0.0.1:9/logger.mjs#Logger',
    'an https: URL': 'https://example.com/logger.mjs',
    'a node: builtin': 'node:child_process#exec',
    'a file: URL with a query': `${pathToFileURL(ESM_FILE).href}?x=1#EsmLogger`,
    'a javascript: URL': 'javascript:alert(1)',
    'a blob: URL': 'blob:nodedata:1234',
  };
  for (const [what, specifier] of Object.entries(refused)) {
    it(`refuses ${what} with a ConfigurationError before importing anything`, async () => {
      let error;
      try {
        await configureAuditLoggerFromSettings(specifier);
      } catch (err) {
        error = err;
      }
      expect(error, 'rejected').to.be.an('error');
      expect(error.code).to.equal('AUDIT_BAD_CONFIG');
      expect(error.message).to.match(/package name or a file path/);
      expect(globalThis.__auditSettingsPwned).to.equal(undefined);
      expect(getAuditLogger()).to.equal(null);
    });
  }

  it('refuses the same inside { class, options }', async () => {
    const err = await resolveAuditLoggerSetting({ class: `data:text/javascript,${encodeURIComponent(payload)}` }).catch(
      (e) => e,
    );
    expect(err.code).to.equal('AUDIT_BAD_CONFIG');
    expect(err.setting).to.equal('auditLogger.class');
    expect(globalThis.__auditSettingsPwned).to.equal(undefined);
  });

  it('still loads file paths, plain file: URLs and package names', async () => {
    const fromPath = await resolveAuditLoggerSetting(`${ESM_FILE}#EsmLogger`);
    expect(typeof fromPath.record).to.equal('function');
    const fromUrl = await resolveAuditLoggerSetting(`${pathToFileURL(ESM_FILE).href}#EsmLogger`);
    expect(typeof fromUrl.record).to.equal('function');
    const fromPackage = await resolveAuditLoggerSetting({ class: '@audit-events/core#MemoryAuditLogger' });
    expect(fromPackage.constructor.name).to.equal('MemoryAuditLogger');
  });
});
