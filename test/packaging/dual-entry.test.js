// Every package loads through both `import` and `require()`, both entries expose the same
// objects, and the process-wide AsyncLocalStorage is shared: between the two entry points and
// between two copies of @audit-events/core (two versions in node_modules, or a bundled copy).
import { expect } from 'chai';
import { readFileSync, existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyCore } from '../helpers/core-copy.js';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const PACKAGES = JSON.parse(readFileSync(join(here, 'packages.json'), 'utf8'));

describe('packaging: ESM and CommonJS entry points', () => {
  for (const [name, expected] of Object.entries(PACKAGES)) {
    it(`${name}: import and require() expose the same API`, async () => {
      const esm = await import(name);
      const cjs = require(name);
      const esmNames = Object.keys(esm)
        .filter((k) => k !== 'default')
        .sort();
      const cjsNames = Object.keys(cjs)
        .filter((k) => k !== '__esModule')
        .sort();
      expect(esmNames).to.deep.equal(cjsNames);
      for (const key of expected) {
        expect(esm[key], `${name}.${key}`).to.be.a('function');
        expect(esm[key]).to.equal(cjs[key]); // one implementation, never two module instances
      }
    });

    it(`${name}: the exports map points at files that exist, with type declarations`, () => {
      const pkgPath = require.resolve(`${name}/package.json`);
      const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'));
      const root = dirname(pkgPath);
      const entry = pkg.exports['.'];
      for (const file of [entry.import.default, entry.import.types, entry.require.default, entry.require.types]) {
        expect(existsSync(join(root, file)), file).to.equal(true);
      }
    });
  }

  it('a context set through the CommonJS entry is current for the ES module entry', async () => {
    const esm = await import('@audit-events/core');
    const cjs = require('@audit-events/core');
    const ctx = new cjs.AuditContext({ requestId: 'cjs-set' });
    await cjs.runWithAuditContext(ctx, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      expect(esm.getAuditContext()).to.equal(ctx);
    });
  });

  describe('two copies of @audit-events/core', () => {
    let dir;
    let copy;
    before(() => {
      dir = copyCore();
      copy = require(join(dir, 'cjs', 'index.js'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('are really two module instances', async () => {
      const main = await import('@audit-events/core');
      expect(copy.AuditContext).to.not.equal(main.AuditContext);
    });

    it('share one AsyncLocalStorage and recognise each other’s contexts', async () => {
      const main = await import('@audit-events/core');
      const fromCopy = new copy.AuditContext({ requestId: 'from-copy' });
      await copy.runWithAuditContext(fromCopy, async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        expect(main.getAuditContext()).to.equal(fromCopy);
        expect(fromCopy instanceof main.AuditContext).to.equal(true);
      });
      const fromMain = new main.AuditContext({ requestId: 'from-main' });
      main.runWithAuditContext(fromMain, () => expect(copy.getAuditContext().requestId).to.equal('from-main'));
    });

    it('share the configured event store', async () => {
      const main = await import('@audit-events/core');
      const store = new main.MemoryEventStore();
      main.configureEventStore(store);
      try {
        await copy.getAuditContext().createEvent({ type: 'copy', id: 1 });
        expect(store.size).to.equal(1);
      } finally {
        main.configureEventStore(null);
      }
    });
  });
});
