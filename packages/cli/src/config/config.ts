import { dirname } from 'node:path';
import { ConfigurationError } from '@audit-events/core';
import { loadConfigFile } from './config-file.js';
import { parseDatabaseUrl } from './db-url.js';
import type { DatabaseTarget } from './db-url.js';
import { targetFromKnexConfig } from './knex-config-target.js';

/** The environment variables the CLI reads. */
export const ENV = {
  DB: 'AUDIT_EVENTS_DB',
  TABLE: 'AUDIT_EVENTS_TABLE',
  ARCHIVE_TABLE: 'AUDIT_EVENTS_ARCHIVE_TABLE',
} as const;

/** What the command line said about the database (all optional). */
export interface DatabaseFlags {
  db?: string;
  config?: string;
  table?: string;
  archiveTable?: string;
  connectTimeoutMs?: number;
}

/** Which database and tables a command works on, and where that came from. */
export interface ResolvedSettings {
  target: DatabaseTarget;
  /** `--db`, `AUDIT_EVENTS_DB` or the config file's path: shown when something goes wrong. */
  source: string;
  /** Undefined: the store's default. */
  table?: string;
  archiveTable?: string;
}

/**
 * Precedence, first wins: flags, then environment variables, then the config file (`--config`,
 * else the first of ./audit-events.config.{json,cjs,mjs,js} that exists). The config file is read
 * whenever it is named or present, even when `--db` is given, so its table names still apply and
 * a broken file is reported rather than half-used.
 */
export async function resolveSettings(
  flags: DatabaseFlags,
  env: Record<string, string | undefined>,
  cwd: string,
): Promise<ResolvedSettings> {
  const file = await loadConfigFile(flags.config, cwd);
  const envDb = nonEmpty(env[ENV.DB]);
  const urlOptions = { connectTimeoutMs: flags.connectTimeoutMs };

  let target: DatabaseTarget;
  let source: string;
  if (flags.db !== undefined) {
    target = parseDatabaseUrl(flags.db, { ...urlOptions, baseDir: cwd });
    source = '--db';
  } else if (envDb !== undefined) {
    target = parseDatabaseUrl(envDb, { ...urlOptions, baseDir: cwd });
    source = ENV.DB;
  } else if (file?.db !== undefined) {
    target = parseDatabaseUrl(file.db, { ...urlOptions, baseDir: dirname(file.path) });
    source = file.path;
  } else if (file?.knex !== undefined) {
    target = targetFromKnexConfig(file.knex, flags.connectTimeoutMs);
    source = file.path;
  } else {
    throw new ConfigurationError(
      'db',
      file
        ? `no database: ${file.path} has neither "db" nor "knex"; or pass --db <url> or set ${ENV.DB}`
        : `no database given: pass --db <url> (e.g. sqlite:./audit.db), set ${ENV.DB}, or create ./audit-events.config.json`,
    );
  }

  const settings: ResolvedSettings = { target, source };
  const table = flags.table ?? nonEmpty(env[ENV.TABLE]) ?? file?.table;
  const archiveTable = flags.archiveTable ?? nonEmpty(env[ENV.ARCHIVE_TABLE]) ?? file?.archiveTable;
  if (table !== undefined) settings.table = table;
  if (archiveTable !== undefined) settings.archiveTable = archiveTable;
  return settings;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
