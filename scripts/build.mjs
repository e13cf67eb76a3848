// Builds every package: tsc (CommonJS + declarations) then a thin ES module wrapper per package.
// One implementation, two entry points: `import` and `require()` share the same module instance,
// so the process-wide AsyncLocalStorage and configured loggers are never duplicated.
// tsc -b is incremental, so a second run (`npm install` then `npm test`) only checks timestamps;
// the wrappers are rewritten only when their text changes, so an unchanged tree stays untouched.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, rmSync, writeFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const all = ['core', 'express', 'koa', 'knex', 'kafka', 'nats', 'cli'];
// `node scripts/build.mjs knex cli` builds just those (and what they reference).
const named = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const packages = named.length > 0 ? named : all;
const quiet = process.argv.includes('--quiet');
const require = createRequire(import.meta.url);
const say = (line) => {
  if (!quiet) console.log(`audit-events build: ${line}`);
};

if (process.argv.includes('--clean')) {
  for (const p of all) rmSync(join(root, 'packages', p, 'dist'), { recursive: true, force: true });
  process.exit(0);
}

// What tsc -b rewrote is told by its build-info files: one per package, written only when it built.
const buildInfo = (p) => join(root, 'packages', p, 'dist', '.tsbuildinfo');
const stamp = (p) => (existsSync(buildInfo(p)) ? statSync(buildInfo(p)).mtimeMs : 0);
const before = new Map(all.map((p) => [p, stamp(p)]));
const started = Date.now();
say(`TypeScript → packages/{${packages.join(',')}}/dist (tsc -b: unchanged packages are skipped)`);

const tsc = require.resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-b', ...packages.map((p) => `packages/${p}`)], {
  cwd: root,
  stdio: 'inherit',
});

const writeIfChanged = (file, text) => {
  if (existsSync(file) && readFileSync(file, 'utf8') === text) return;
  writeFileSync(file, text);
};

// One ES module wrapper per entry point (`index`, and `internal` where a package has one).
for (const p of packages) {
  const dist = join(root, 'packages', p, 'dist');
  for (const entry of ['index', 'internal']) {
    const cjsEntry = join(dist, 'cjs', `${entry}.js`);
    if (!existsSync(cjsEntry)) continue;
    const names = Object.keys(require(cjsEntry)).filter((n) => n !== 'default' && n !== '__esModule');
    mkdirSync(join(dist, 'esm'), { recursive: true });
    const lines = [`import mod from '../cjs/${entry}.js';`];
    if (names.length > 0) lines.push(`export const { ${names.join(', ')} } = mod;`);
    lines.push('export default mod;', '');
    writeIfChanged(join(dist, 'esm', `${entry}.mjs`), lines.join('\n'));
    writeIfChanged(join(dist, 'esm', `${entry}.d.mts`), `export * from '../cjs/${entry}.js';\n`);
  }
}

const rebuilt = all.filter((p) => stamp(p) !== before.get(p));
const seconds = ((Date.now() - started) / 1000).toFixed(1);
say(rebuilt.length > 0 ? `compiled ${rebuilt.join(', ')} in ${seconds} s` : `up to date (checked in ${seconds} s)`);
