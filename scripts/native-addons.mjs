// Run by scripts/with-node.sh under the target Node version: finds the repository's native addons,
// tries to load each one, and rebuilds those that fail (bound to another Node ABI) from a copy of
// the package into <dir>/<name>-<version>/, with node-gyp and the headers npm_config_nodedir names.
// Writes <dir>/manifest.json (original .node path → rebuilt .node path) for the preload. A rebuild
// is kept as long as the package version and Node ABI match, so only the first run pays for it.
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const dir = process.argv[2];
if (!dir) throw new Error('usage: node scripts/native-addons.mjs <output dir>');
const abi = process.versions.modules;
// The addons the tests load, with the binary their package loads (node-gyp's Release build).
const ADDONS = [
  { name: 'sqlite3', binary: 'build/Release/node_sqlite3.node' },
  { name: 'better-sqlite3', binary: 'build/Release/better_sqlite3.node' },
];

function loads(file) {
  try {
    process.dlopen({ exports: {} }, file);
    return true;
  } catch (err) {
    if (!/NODE_MODULE_VERSION|was compiled against a different Node\.js version/.test(err.message)) throw err;
    return false;
  }
}

function nodeGyp() {
  for (const candidate of [process.env.npm_config_node_gyp, 'node-gyp/bin/node-gyp.js']) {
    if (!candidate) continue;
    try {
      return require.resolve(candidate);
    } catch {
      // not installed there: try the next candidate
    }
  }
  throw new Error('node-gyp not found (neither npm_config_node_gyp nor node_modules/node-gyp)');
}

mkdirSync(dir, { recursive: true });
const manifestFile = join(dir, 'manifest.json');
const previous = existsSync(manifestFile) ? JSON.parse(readFileSync(manifestFile, 'utf8')) : { abi: null, addons: {} };
const manifest = { abi, addons: {} };
for (const { name, binary } of ADDONS) {
  let packageDir;
  try {
    packageDir = realpathSync(dirname(require.resolve(`${name}/package.json`)));
  } catch {
    continue; // not installed: nothing to load, nothing to rebuild
  }
  const original = join(packageDir, binary);
  if (!existsSync(original)) throw new Error(`${name} has no built addon at ${original}; run npm install first`);
  if (loads(original)) continue;
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  const copy = join(dir, `${name}-${version}`);
  const rebuilt = join(copy, binary);
  if (previous.abi === abi && previous.addons[original] === rebuilt && existsSync(rebuilt) && loads(rebuilt)) {
    manifest.addons[original] = rebuilt;
    continue;
  }
  const started = Date.now();
  console.log(
    `native addons: rebuilding ${name}@${version} for Node ${process.version} (ABI ${abi}) in ${relative(root, copy)}`,
  );
  rmSync(copy, { recursive: true, force: true });
  cpSync(packageDir, copy, {
    recursive: true,
    filter: (src) => !src.startsWith(join(packageDir, 'build')) && !src.startsWith(join(packageDir, 'node_modules')),
  });
  // The compiler's output (pages of warnings) goes to a log, shown only if the build fails.
  const logFile = join(dir, `${name}-${version}.build.log`);
  const log = openSync(logFile, 'w');
  try {
    execFileSync(process.execPath, [nodeGyp(), 'rebuild', '--release', `--jobs=${availableParallelism()}`], {
      cwd: copy,
      stdio: ['ignore', log, log],
    });
  } catch (err) {
    process.stderr.write(readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n'));
    throw new Error(
      `rebuilding ${name} for Node ${process.version} failed (${err.message.split('\n')[0]}); full log: ${logFile}`,
      {
        cause: err,
      },
    );
  } finally {
    closeSync(log);
  }
  if (!loads(rebuilt)) throw new Error(`${name} rebuilt at ${rebuilt} still does not load on Node ${process.version}`);
  console.log(`native addons: ${name} rebuilt in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  manifest.addons[original] = rebuilt;
}
writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
