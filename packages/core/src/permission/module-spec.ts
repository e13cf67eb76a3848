import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigurationError } from '../errors.js';

/**
 * Loads the export named by a settings string: `"pkg#Export"`, `"./path/file.js#Export"`,
 * `"file:///abs/file.mjs#Export"`, or without `#Export` for the default export. Uses dynamic
 * import(), so ES modules and CommonJS modules both work. Bare package names are resolved from
 * `baseDir` (the app, not this package), relative paths against it. Settings are trusted
 * configuration (they choose code to run), yet only a package name or a file names that code: any
 * other URL scheme (`data:`, `http(s):`, `node:`…) or a `file:` URL with a query is refused before
 * anything is imported, so a setting can never carry the code itself.
 */
export async function importExport(specifier: string, baseDir: string, setting: string): Promise<unknown> {
  const hash = specifier.lastIndexOf('#');
  const moduleId = hash === -1 ? specifier : specifier.slice(0, hash);
  const exportName = hash === -1 ? 'default' : specifier.slice(hash + 1);
  if (moduleId.length === 0 || exportName.length === 0) {
    throw new ConfigurationError(setting, `${JSON.stringify(specifier)} is not "module#Export" or a module path`);
  }
  checkModuleId(moduleId, setting, specifier);
  const namespace = (await load(moduleId, baseDir, setting, specifier)) as Record<string, unknown>;
  if (exportName in namespace && namespace[exportName] !== undefined) return namespace[exportName];
  // A CommonJS module's exports object arrives as `default`; its named properties may not be
  // detected as named exports, so look there too.
  const cjs = namespace['default'];
  if (exportName !== 'default' && cjs !== null && (typeof cjs === 'object' || typeof cjs === 'function')) {
    const value = (cjs as Record<string, unknown>)[exportName];
    if (value !== undefined) return value;
  }
  throw new ConfigurationError(
    setting,
    `module ${JSON.stringify(moduleId)} has no export ${JSON.stringify(exportName)} ` +
      `(exports: ${Object.keys(namespace).join(', ') || 'none'})`,
  );
}

/** `scheme:` at the start of a specifier (a Windows drive letter is a path, handled by isAbsolute). */
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;

/** Throws unless `moduleId` is a package name, a file path or a plain `file:` URL (no query). */
function checkModuleId(moduleId: string, setting: string, specifier: string): void {
  const refuse = (why: string): never => {
    throw new ConfigurationError(
      setting,
      `${JSON.stringify(specifier.length > 80 ? `${specifier.slice(0, 80)}…` : specifier)} ${why}; ` +
        'a module setting must be a package name or a file path (or a plain file: URL)',
    );
  };
  // Blanks or control characters around a specifier are never part of a real package or path.
  if (/^\s|\s$|[\u0000-\u001f\u007f]/.test(moduleId)) refuse('has blank or control characters');
  const scheme = SCHEME.exec(moduleId)?.[1]?.toLowerCase();
  if (scheme === undefined || isAbsolute(moduleId)) return;
  if (scheme !== 'file') refuse(`is a ${scheme}: URL`);
  let url: URL;
  try {
    url = new URL(moduleId);
  } catch {
    return refuse('is not a valid file: URL');
  }
  if (url.search !== '' || moduleId.includes('?')) refuse('is a file: URL with a query');
  try {
    fileURLToPath(url);
  } catch {
    refuse('is not a local file: URL');
  }
}

async function load(moduleId: string, baseDir: string, setting: string, specifier: string): Promise<unknown> {
  let target: string;
  if (/^file:/i.test(moduleId)) {
    // Through a path and back: the URL imported is exactly the file named, in canonical form.
    target = pathToFileURL(fileURLToPath(moduleId)).href;
  } else if (isPathLike(moduleId)) {
    target = pathToFileURL(isAbsolute(moduleId) ? moduleId : resolve(baseDir, moduleId)).href;
  } else {
    target = resolveBare(moduleId, baseDir);
  }
  try {
    return await import(target);
  } catch (err) {
    throw new ConfigurationError(
      setting,
      `cannot load ${JSON.stringify(specifier)}: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
}

function isPathLike(id: string): boolean {
  return (
    id.startsWith('./') || id.startsWith('../') || id === '.' || id === '..' || isAbsolute(id) || /^\.\.?\\/.test(id)
  );
}

/** Resolves a package name from the app's directory; ESM-only packages fall back to import()'s own resolution. */
function resolveBare(id: string, baseDir: string): string {
  try {
    return pathToFileURL(createRequire(join(baseDir, 'noop.js')).resolve(id)).href;
  } catch {
    // ERR_PACKAGE_PATH_NOT_EXPORTED (no "require" condition) or not found from baseDir: let
    // import() try, which reports a clear error if the package really is missing.
    return id;
  }
}
