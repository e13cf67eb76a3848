// A second copy of @audit-events/core's build in a temp folder, as a second install of the package
// would be (two versions in one app's node_modules): its own module instances, with its
// dependencies (rfc6902) resolvable beside it through symlinks to the installed ones.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** Returns the copy's folder: `<dir>/cjs/index.js` is its entry. The caller removes `dir`. */
export function copyCore() {
  const dir = mkdtempSync(join(tmpdir(), 'audit-core-copy-'));
  const coreRoot = dirname(require.resolve('@audit-events/core/package.json'));
  cpSync(join(coreRoot, 'dist', 'cjs'), join(dir, 'cjs'), { recursive: true });
  const { dependencies = {} } = JSON.parse(readFileSync(join(coreRoot, 'package.json'), 'utf8'));
  mkdirSync(join(dir, 'node_modules'));
  const coreRequire = createRequire(join(coreRoot, 'package.json'));
  for (const name of Object.keys(dependencies)) {
    symlinkSync(dirname(coreRequire.resolve(`${name}/package.json`)), join(dir, 'node_modules', name), 'dir');
  }
  return dir;
}
