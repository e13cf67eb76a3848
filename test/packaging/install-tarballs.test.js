// Issue 19, item 1: the packages install in someone else's app. Every package is packed with
// `npm pack`, the tarballs are installed together into a fresh folder outside the repository with
// registry packages only (express, knex, sqlite3), and an ES module app, a CommonJS app and the
// CLI's installed bin run there against SQLite. Nothing may resolve from the monorepo.
import { expect } from 'chai';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PACKAGES, REPO, installApp, installedVersion, npm, packAll, run } from './tarball-app.js';

const here = dirname(fileURLToPath(import.meta.url));
const REGISTRY = ['express', 'knex', 'sqlite3'].map((name) => `${name}@${installedVersion(name)}`);

describe('packaging: the npm pack tarballs installed in a fresh app', function () {
  this.timeout(300_000);
  let work;
  let app;
  let packed;
  const timings = {};
  const failed = new Set();
  // Each step needs the ones before it; a later step names the failed one instead of a knock-on error.
  const step = (name, fn) =>
    it(name, async function () {
      if (failed.size > 0) throw new Error(`not run: an earlier step failed (${[...failed].join('; ')})`);
      try {
        await fn.call(this);
      } catch (err) {
        failed.add(name);
        throw err;
      }
    });

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'audit-events-tarballs-'));
    app = join(work, 'app');
    mkdirSync(app);
    app = realpathSync(app);
  });
  after(function () {
    if (this.currentTest?.state === 'failed' || failed.size > 0) {
      console.log(`      kept for inspection: ${work}`);
    } else {
      rmSync(work, { recursive: true, force: true });
    }
    const text = Object.entries(timings)
      .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
      .join(', ');
    if (text) console.log(`      timings: ${text}`);
  });

  step('npm pack packs every package', () => {
    const result = packAll(work);
    timings.pack = result.seconds;
    packed = result.packages;
    expect(Object.keys(packed).sort()).to.deep.equal(PACKAGES.map((p) => `@audit-events/${p}`).sort());
  });

  step('each tarball ships the built entry points, README and LICENSE, and no build leftovers', () => {
    for (const [name, { files }] of Object.entries(packed)) {
      const pkg = JSON.parse(readFileSync(join(REPO, 'packages', name.split('/')[1], 'package.json'), 'utf8'));
      const entry = pkg.exports['.'];
      for (const file of [
        pkg.main,
        pkg.types,
        entry.import.default,
        entry.import.types,
        entry.require.default,
        entry.require.types,
      ]) {
        expect(files, `${name}: ${file}`).to.include(file.replace(/^\.\//, ''));
      }
      expect(files, name).to.include.members(['package.json', 'README.md', 'LICENSE']);
      const leftovers = files.filter((f) => /\.tsbuildinfo$|\.map$|^src\/|^test\//.test(f));
      expect(leftovers, `${name} ships build leftovers`).to.deep.equal([]);
      expect(pkg.license, name).to.equal('MIT');
      expect(pkg.repository?.directory, name).to.equal(`packages/${name.split('/')[1]}`);
      expect(pkg.keywords, name).to.be.an('array').that.is.not.empty;
      expect(pkg.engines?.node, name).to.match(/\^20\.\d+\.\d+ \|\| \^22\.\d+\.\d+ \|\| >=24/);
    }
    expect(packed['@audit-events/knex'].files.some((f) => f.startsWith('migrations/'))).to.equal(true);
    expect(packed['@audit-events/cli'].files).to.include('bin/audit-events.cjs');
  });

  step(`one npm install of every tarball with ${REGISTRY.join(', ')}`, () => {
    const tarballs = Object.values(packed).map((p) => p.tarball);
    timings.install = installApp(app, tarballs, REGISTRY).seconds;
    // npm's own view of the tree: nothing missing, nothing invalid, no peer left unmet.
    npm(['ls', '--all'], { cwd: app });
    for (const file of readdirSync(join(here, 'smoke-app')))
      copyFileSync(join(here, 'smoke-app', file), join(app, file));
  });

  step('TypeScript (node16 resolution) finds the declarations for import and for require', () => {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    timings.typecheck = run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app }).seconds;
  });

  step('the CLI bin migrates a SQLite database', () => {
    const { stdout } = run(
      join(app, 'node_modules', '.bin', 'audit-events'),
      ['migrate', '--db', 'sqlite:./audit.db'],
      { cwd: app },
    );
    expect(stdout).to.match(/^migrated audit_events and audit_events_archive on sqlite:/);
  });

  for (const [kind, file, objectId] of [
    ['ES module', 'esm-app.mjs', 'esm-1'],
    ['CommonJS', 'cjs-app.cjs', 'cjs-1'],
  ]) {
    step(`the ${kind} app stores an event from an Express request and reads it back`, () => {
      const { stdout, seconds } = run(process.execPath, [file, join(app, 'audit.db')], { cwd: app, timeout: 60_000 });
      timings[kind] = seconds;
      const out = JSON.parse(stdout.trim().split('\n').pop());
      expect(out.status).to.equal(201);
      expect(out.requestId).to.be.a('string').that.is.not.empty;
      expect(out.listed.events).to.have.length(1);
      expect(out.listed.events[0]).to.include({ contentType: 'order', objectId, requestId: out.requestId });
      expect(out.rows).to.have.length(1);
      const row = out.rows[0];
      expect(row).to.include({ content_type: 'order', object_id: objectId, method: 'POST' });
      expect(JSON.parse(row.content)).to.include({ action: 'created' });
      // Header-name casing is issue 19 item 6's concern; here only that the configured header arrived.
      const headers = Object.fromEntries(Object.entries(JSON.parse(row.headers)).map(([k, v]) => [k.toLowerCase(), v]));
      expect(headers['x-team']).to.equal(kind === 'ES module' ? 'blue' : 'green');
      if (kind === 'ES module')
        expect(out.patch).to.deep.equal([{ op: 'replace', path: '/status', value: 'paid', old: 'new' }]);
      for (const [name, where] of Object.entries(out.resolved)) {
        const path = where.startsWith('file:') ? fileURLToPath(where) : where;
        expect(path, `@audit-events/${name} resolved`).to.satisfy((p) => p.startsWith(join(app, 'node_modules') + sep));
      }
    });
  }

  step('the CLI bin counts what archive would move (--dry-run)', () => {
    const { stdout } = run(
      join(app, 'node_modules', '.bin', 'audit-events'),
      ['archive', '--older-than', '0', '--dry-run', '--json', '--db', 'sqlite:./audit.db'],
      { cwd: app },
    );
    const report = JSON.parse(stdout);
    expect(report).to.include({ ok: true, dryRun: true, archived: 0, remaining: 2 });
  });
});
