// Builds "someone else's app" for install-tarballs.test.js: packs every workspace package with npm,
// installs the tarballs into a fresh folder outside the repository together with registry packages
// only, and runs commands in it. Kept apart from the test so the steps read as a recipe.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PACKAGES = ['core', 'express', 'koa', 'knex', 'kafka', 'nats', 'cli'];

/** The version the monorepo installed, so the npm cache already holds it (no network needed). */
export const installedVersion = (name) =>
  JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version;

// Inherited npm_* variables (from `npm test`) would point the nested npm at the monorepo
// (npm_config_local_prefix, workspace settings); keep only where the cache and registry are.
const KEEP =
  /^npm_config_(cache|userconfig|globalconfig|registry|cafile|ca|strict_ssl|proxy|https_proxy|noproxy|@.+:registry|\/\/.+)$/i;
function cleanEnv(extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if ((/^npm_/i.test(key) || key === 'INIT_CWD') && !KEEP.test(key)) continue;
    env[key] = value;
  }
  // Bins' `#!/usr/bin/env node` must find the node running this test (Node 20, 22 or 24).
  env.PATH = `${dirname(process.execPath)}${delimiter}${env.PATH ?? ''}`;
  return { ...env, ...extra };
}

/** npm run by this very node: npm's own script when we run under npm, else `npm` from PATH. */
function npmCommand() {
  const cli = process.env.npm_execpath;
  return cli && /npm-cli\.js$/.test(cli) ? [process.execPath, [cli]] : ['npm', []];
}

/** Runs a command; a failure throws with the command, exit status and output, never silently. */
export function run(command, args, { cwd, env, timeout = 240_000 } = {}) {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd, env: cleanEnv(env), encoding: 'utf8', timeout });
  const seconds = (Date.now() - started) / 1000;
  if (result.error || result.status !== 0) {
    const why = result.error
      ? result.error.message
      : `exit status ${result.status}${result.signal ? ` (${result.signal})` : ''}`;
    throw new Error(
      `\`${[command, ...args].join(' ')}\` in ${cwd} failed after ${seconds.toFixed(1)} s: ${why}\n` +
        `--- stdout ---\n${result.stdout ?? ''}\n--- stderr ---\n${result.stderr ?? ''}`,
    );
  }
  return { stdout: result.stdout, stderr: result.stderr, seconds };
}

export function npm(args, options) {
  const [command, prefix] = npmCommand();
  return run(command, [...prefix, ...args], options);
}

/** `npm pack` for every package into `destination`; returns { name → tarball path, files }. */
export function packAll(destination) {
  const workspaces = PACKAGES.flatMap((p) => ['-w', `packages/${p}`]);
  const { stdout, seconds } = npm(['pack', '--json', '--pack-destination', destination, ...workspaces], { cwd: REPO });
  const packed = JSON.parse(stdout);
  return {
    seconds,
    packages: Object.fromEntries(
      packed.map((p) => [p.name, { tarball: join(destination, p.filename), files: p.files.map((f) => f.path) }]),
    ),
  };
}

/**
 * Installs the tarballs and the registry packages in one `npm install`, as a user would.
 * Scripts are off: ours have none, and sqlite3's would try a prebuilt download and then compile
 * SQLite from source for minutes; the monorepo's sqlite3 of the same version is already built
 * and its addon is N-API (one binary for every Node version), so it is copied in instead.
 */
export function installApp(appDir, tarballs, registryPackages) {
  writeFileSync(
    join(appDir, 'package.json'),
    `${JSON.stringify({ name: 'someone-elses-app', private: true }, null, 2)}\n`,
  );
  const result = npm(
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      '--ignore-scripts',
      '--loglevel=error',
      ...tarballs,
      ...registryPackages,
    ],
    { cwd: appDir },
  );
  const built = join(dirname(require.resolve('sqlite3/package.json')), 'build', 'Release', 'node_sqlite3.node');
  const target = join(appDir, 'node_modules', 'sqlite3', 'build', 'Release', 'node_sqlite3.node');
  if (!existsSync(built))
    throw new Error(`the monorepo's sqlite3 has no built addon at ${built}; run npm install at the root`);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(built, target);
  return result;
}
