// Builds every package: tsc (CommonJS + declarations) then a thin ES module wrapper per package.
// One implementation, two entry points: `import` and `require()` share the same module instance,
// so the process-wide AsyncLocalStorage and configured loggers are never duplicated.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const all = ['core', 'express', 'koa', 'knex', 'kafka', 'nats', 'cli'];
// `node scripts/build.mjs knex cli` builds just those (and what they reference).
const named = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const packages = named.length > 0 ? named : all;
const require = createRequire(import.meta.url);

if (process.argv.includes('--clean')) {
  for (const p of all) rmSync(join(root, 'packages', p, 'dist'), { recursive: true, force: true });
  process.exit(0);
}

const tsc = require.resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-b', ...packages.map((p) => `packages/${p}`)], {
  cwd: root,
  stdio: 'inherit',
});

for (const p of packages) {
  const dist = join(root, 'packages', p, 'dist');
  const cjsEntry = join(dist, 'cjs', 'index.js');
  if (!existsSync(cjsEntry)) continue;
  const names = Object.keys(require(cjsEntry)).filter((n) => n !== 'default' && n !== '__esModule');
  mkdirSync(join(dist, 'esm'), { recursive: true });
  const lines = ["import mod from '../cjs/index.js';"];
  if (names.length > 0) lines.push(`export const { ${names.join(', ')} } = mod;`);
  lines.push('export default mod;', '');
  writeFileSync(join(dist, 'esm', 'index.mjs'), lines.join('\n'));
  writeFileSync(join(dist, 'esm', 'index.d.mts'), "export * from '../cjs/index.js';\n");
}
