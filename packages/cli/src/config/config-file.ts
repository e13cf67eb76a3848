import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Knex } from 'knex';
import { ConfigurationError } from '@audit-events/core';

/**
 * The optional config file: JSON, or a CommonJS/ES module whose default export is the object (or
 * a function, possibly async, returning it). Keys:
 *   db            a database URL (see db-url.ts); a relative sqlite: path is relative to the file
 *   knex          a Knex configuration object instead of `db` (modules can build it from secrets)
 *   table         the live events table          (default: the store's, audit_events)
 *   archiveTable  the archive table              (default: <table>_archive, audit_events_archive)
 * Unknown keys are an error, so a typo is not silently ignored.
 */
export interface ConfigFile {
  /** Absolute path of the file read. */
  path: string;
  db?: string;
  knex?: Knex.Config;
  table?: string;
  archiveTable?: string;
}

/** Looked for, in this order, in the working directory when `--config` is not given. */
export const DEFAULT_CONFIG_FILES = [
  'audit-events.config.json',
  'audit-events.config.cjs',
  'audit-events.config.mjs',
  'audit-events.config.js',
] as const;

const KEYS = new Set(['db', 'knex', 'table', 'archiveTable', '$schema']);

/** Loads `explicit` (which must exist) or the first default file in `cwd`; undefined when none. */
export async function loadConfigFile(explicit: string | undefined, cwd: string): Promise<ConfigFile | undefined> {
  if (explicit !== undefined) {
    const path = resolve(cwd, explicit);
    if (!existsSync(path)) throw new ConfigurationError('config', `${path} does not exist`);
    return readConfig(path);
  }
  for (const name of DEFAULT_CONFIG_FILES) {
    const path = resolve(cwd, name);
    if (existsSync(path)) return readConfig(path);
  }
  return undefined;
}

async function readConfig(path: string): Promise<ConfigFile> {
  const raw = extname(path) === '.json' ? await readJson(path) : await readModule(path);
  return validate(raw, path);
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigurationError('config', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    // V8's message quotes the file's text, which may hold a password: report only where it broke.
    const position = /position (\d+)/.exec((err as Error).message)?.[1];
    throw new ConfigurationError('config', `${path} is not valid JSON${where(text, position)}`);
  }
}

function where(text: string, position: string | undefined): string {
  if (position === undefined) return '';
  const before = text.slice(0, Number(position)).split('\n');
  return ` (line ${before.length}, column ${(before[before.length - 1]?.length ?? 0) + 1})`;
}

async function readModule(path: string): Promise<unknown> {
  let loaded: unknown;
  try {
    const mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
    loaded = mod.default ?? mod;
    if (typeof loaded === 'function') loaded = await (loaded as () => unknown)();
  } catch (err) {
    // No cause for a syntax error: the CLI would print the cause's message, the very text withheld.
    const cause = err instanceof SyntaxError ? {} : { cause: err };
    throw new ConfigurationError('config', `cannot load ${path}: ${loadFailure(err, path)}`, cause);
  }
  return loaded;
}

/**
 * Why a config module did not load. A syntax error's message quotes the offending token, which
 * may be part of a password (`'p'ss'` in a string): only its line is reported (CommonJS; an ES
 * module's syntax error carries no line in its stack).
 */
function loadFailure(err: unknown, path: string): string {
  if (!(err instanceof SyntaxError)) return (err as Error)?.message ?? String(err);
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const line = new RegExp(`${escaped}:(\\d+)`).exec(String(err.stack))?.[1];
  return `syntax error${line === undefined ? '' : ` on line ${line}`} (the message is not shown: it may quote a password)`;
}

function validate(raw: unknown, path: string): ConfigFile {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigurationError('config', `${path} must hold an object with "db" or "knex"`);
  }
  const obj = raw as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!KEYS.has(key)) {
      throw new ConfigurationError(`config.${key}`, `unknown key in ${path} (known: db, knex, table, archiveTable)`);
    }
  }
  const config: ConfigFile = { path };
  if (obj.db !== undefined) config.db = nonEmptyString(obj.db, 'db', path);
  if (obj.knex !== undefined) {
    const knex = obj.knex;
    if (knex === null || typeof knex !== 'object' || Array.isArray(knex) || !('client' in knex)) {
      throw new ConfigurationError('config.knex', `must be a Knex configuration object with a "client" (in ${path})`);
    }
    config.knex = knex as Knex.Config;
  }
  if (config.db !== undefined && config.knex !== undefined) {
    throw new ConfigurationError('config', `${path} gives both "db" and "knex"; keep one`);
  }
  if (obj.table !== undefined) config.table = nonEmptyString(obj.table, 'table', path);
  if (obj.archiveTable !== undefined) config.archiveTable = nonEmptyString(obj.archiveTable, 'archiveTable', path);
  return config;
}

function nonEmptyString(value: unknown, key: string, path: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ConfigurationError(`config.${key}`, `must be a non-empty string (in ${path})`);
  }
  return value;
}
