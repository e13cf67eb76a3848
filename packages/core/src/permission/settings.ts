import { ConfigurationError } from '../errors.js';
import { isAuditLogger, type AuditLogger } from './audit-logger.js';
import { configureAuditLogger, describeValue } from './configure.js';
import { importExport } from './module-spec.js';

/**
 * What `configureAuditLoggerFromSettings` accepts (general_manager's AUDIT_LOGGER setting). Settings
 * are trusted configuration: they choose code to run, so they must never come from a request or a
 * user. A string names that code only through a package or a file (see importExport): URLs that
 * would carry code themselves (`data:`, `http(s):`) are refused before anything is imported.
 *
 * - `null` / `undefined`: logging off;
 * - a string `"pkg#Export"` or a path (`"./loggers.js#AuditLog"`), loaded with import();
 * - `{ class, options }`: `class` is any of these forms, constructed/called with `options`;
 * - a class (constructed with no arguments), a factory function (called, may be async);
 * - an instance (anything with `record(event)`).
 */
export type AuditLoggerSetting =
  | null
  | undefined
  | string
  | AuditLogger
  | AuditLoggerClassSetting
  | (new (options?: Record<string, unknown>) => AuditLogger)
  | ((options?: Record<string, unknown>) => AuditLogger | null | Promise<AuditLogger | null>);

export interface AuditLoggerClassSetting {
  class: unknown;
  options?: Record<string, unknown>;
}

export interface SettingsOptions {
  /** Directory against which relative paths and package names resolve. Default: process.cwd(). */
  baseDir?: string;
  /** Name used in error messages. Default `auditLogger`. */
  setting?: string;
}

/**
 * Resolves a setting into a logger (or null) without installing it. Anything that does not end
 * in a logger is a ConfigurationError naming the offending part: unlike general_manager, a typo
 * in the settings never silently turns audit logging off.
 */
export async function resolveAuditLoggerSetting(
  value: unknown,
  options: SettingsOptions = {},
): Promise<AuditLogger | null> {
  const setting = options.setting ?? 'auditLogger';
  const baseDir = options.baseDir ?? process.cwd();
  if (value === null || value === undefined) return null;
  if (isAuditLogger(value) && typeof value !== 'function') return value;
  if (typeof value === 'string') {
    return instantiate(await importExport(value, baseDir, setting), undefined, setting, value);
  }
  if (typeof value === 'function') return instantiate(value, undefined, setting, undefined);
  if (typeof value === 'object' && !Array.isArray(value) && 'class' in value) {
    const mapping = value as Record<string, unknown>;
    const unknownKeys = Object.keys(mapping).filter((key) => key !== 'class' && key !== 'options');
    if (unknownKeys.length > 0) {
      throw new ConfigurationError(setting, `unknown key(s) ${unknownKeys.join(', ')}; expected { class, options }`);
    }
    const opts = mapping['options'];
    if (opts !== undefined && (opts === null || typeof opts !== 'object' || Array.isArray(opts))) {
      throw new ConfigurationError(`${setting}.options`, `must be an object, got ${describeValue(opts)}`);
    }
    let target = mapping['class'];
    if (typeof target === 'string') target = await importExport(target, baseDir, `${setting}.class`);
    if (typeof target !== 'function' && !isAuditLogger(target)) {
      throw new ConfigurationError(
        `${setting}.class`,
        `must be a class, a factory function or a "module#Export" string, got ${describeValue(target)}`,
      );
    }
    return instantiate(target, opts as Record<string, unknown> | undefined, `${setting}.class`, undefined);
  }
  throw new ConfigurationError(
    setting,
    `expected a logger, a class, a factory, "module#Export", { class, options } or null, got ${describeValue(value)}`,
  );
}

/** Resolves the setting and installs the result (closing the previous logger). Returns what was installed. */
export async function configureAuditLoggerFromSettings(
  value: unknown,
  options: SettingsOptions = {},
): Promise<AuditLogger | null> {
  const logger = await resolveAuditLoggerSetting(value, options);
  await configureAuditLogger(logger);
  return logger;
}

async function instantiate(
  target: unknown,
  options: Record<string, unknown> | undefined,
  setting: string,
  specifier: string | undefined,
): Promise<AuditLogger | null> {
  const from = specifier === undefined ? '' : ` (loaded from ${JSON.stringify(specifier)})`;
  if (isAuditLogger(target) && typeof target !== 'function') {
    if (options !== undefined) {
      throw new ConfigurationError(setting, `options were given but${from} the value is already a logger instance`);
    }
    return target;
  }
  if (typeof target !== 'function') {
    throw new ConfigurationError(
      setting,
      `expected a logger, a class or a factory${from}, got ${describeValue(target)}`,
    );
  }
  const args = options === undefined ? [] : [options];
  let result: unknown;
  try {
    result = isClass(target)
      ? new (target as new (...a: unknown[]) => unknown)(...args)
      : await (target as (...a: unknown[]) => unknown)(...args);
  } catch (err) {
    if (err instanceof ConfigurationError) throw err;
    throw new ConfigurationError(
      setting,
      `${target.name || 'the factory'}${from} threw: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  // A factory may decide that logging is off in this environment: null says so explicitly.
  if (result === null && !isClass(target)) return null;
  if (!isAuditLogger(result)) {
    throw new ConfigurationError(
      setting,
      `${target.name || 'the factory'}${from} produced ${describeValue(result)}, which is not an AuditLogger`,
    );
  }
  return result;
}

function isClass(fn: unknown): boolean {
  if (typeof fn !== 'function') return false;
  const proto = (fn as { prototype?: { record?: unknown } }).prototype;
  if (proto !== undefined && typeof proto.record === 'function') return true;
  return /^class[\s{]/.test(Function.prototype.toString.call(fn));
}
