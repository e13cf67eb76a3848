import type { Command } from 'commander';
import type { DatabaseFlags } from './config.js';
import { DEFAULT_CONNECT_TIMEOUT_MS } from './db-url.js';
import { parseSeconds } from './parse-options.js';

/** Option values every database command shares (commander camel-cases the flags). */
export interface DatabaseOptionValues {
  db?: string;
  config?: string;
  table?: string;
  archiveTable?: string;
  connectTimeout: number;
  json?: boolean;
}

/** Adds --db, --config, --table, --archive-table, --connect-timeout and --json to a command. */
export function addDatabaseOptions(command: Command): Command {
  return command
    .option(
      '--db <url>',
      'database URL: sqlite:./audit.db, mysql://user@host:3306/db, mariadb://…, postgres://… ' +
        '(default: $AUDIT_EVENTS_DB, then the config file)',
    )
    .option('--config <file>', 'config file (default: ./audit-events.config.{json,cjs,mjs,js} when present)')
    .option('--table <name>', 'live events table (default: $AUDIT_EVENTS_TABLE, the config file, or audit_events)')
    .option(
      '--archive-table <name>',
      "archive table (default: $AUDIT_EVENTS_ARCHIVE_TABLE, the config file, or the live table's name + _archive: " +
        'audit_events_archive)',
    )
    .option(
      '--connect-timeout <seconds>',
      'give up connecting after this long',
      parseSeconds,
      DEFAULT_CONNECT_TIMEOUT_MS / 1000,
    )
    .option('--json', 'print one JSON document on stdout instead of a summary line');
}

export function databaseFlags(values: DatabaseOptionValues): DatabaseFlags {
  const flags: DatabaseFlags = { connectTimeoutMs: Math.round(values.connectTimeout * 1000) };
  if (values.db !== undefined) flags.db = values.db;
  if (values.config !== undefined) flags.config = values.config;
  if (values.table !== undefined) flags.table = values.table;
  if (values.archiveTable !== undefined) flags.archiveTable = values.archiveTable;
  return flags;
}
