// API report: the runtime exports of every package entry point (`@audit-events/x` and
// `@audit-events/x/internal`), read from the built CommonJS modules. `--update` rewrites
// test/docs/api-report.json; without it, prints the differences and exits 1 when there are any.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
export const REPORT_FILE = join(root, 'test/docs/api-report.json');

/** `{ "@audit-events/core": [...names], "@audit-events/core/internal": [...] }`, sorted. */
export function currentApi() {
  const api = {};
  for (const pkg of readdirSync(join(root, 'packages')).sort()) {
    for (const entry of ['index', 'internal']) {
      const file = join(root, 'packages', pkg, 'dist/cjs', `${entry}.js`);
      if (!existsSync(file)) continue;
      const names = Object.keys(require(file)).filter((n) => n !== '__esModule' && n !== 'default');
      api[`@audit-events/${pkg}${entry === 'index' ? '' : '/internal'}`] = names.sort();
    }
  }
  return api;
}

/** Lines `+ entry name` / `- entry name` between the recorded and the current API. */
export function apiChanges(recorded, current) {
  const changes = [];
  for (const entry of new Set([...Object.keys(recorded), ...Object.keys(current)])) {
    const before = new Set(recorded[entry] ?? []);
    const after = new Set(current[entry] ?? []);
    for (const name of after) if (!before.has(name)) changes.push(`+ ${entry} ${name}`);
    for (const name of before) if (!after.has(name)) changes.push(`- ${entry} ${name}`);
  }
  return changes;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const current = currentApi();
  if (process.argv.includes('--update')) {
    writeFileSync(REPORT_FILE, `${JSON.stringify(current, null, 2)}\n`);
    const counts = Object.entries(current).map(([entry, names]) => `${entry}: ${names.length}`);
    console.log(`api-report: wrote ${REPORT_FILE}\n  ${counts.join('\n  ')}`);
  } else {
    const changes = apiChanges(JSON.parse(readFileSync(REPORT_FILE, 'utf8')), current);
    console.log(changes.length === 0 ? 'api-report: no change' : changes.join('\n'));
    process.exitCode = changes.length === 0 ? 0 : 1;
  }
}
