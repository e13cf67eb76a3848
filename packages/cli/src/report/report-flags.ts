import { InvalidArgumentError, Option, type Command } from 'commander';
import type { GroupKey } from '@audit-events/core';
import { DEFAULT_PERMISSION_AUDIT_TABLE } from '@audit-events/knex/internal';
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../config/db-url.js';
import { collect, parseSeconds } from '../config/parse-options.js';
import type { ReportFormat } from './print-report.js';

/** Environment variable naming DatabaseAuditLogger's table when `--table` is not given. */
export const PERMISSION_TABLE_ENV = 'AUDIT_EVENTS_PERMISSION_TABLE';

/** Where a report's permission decisions come from (the options every report command shares). */
export interface ReportSourceValues {
  file?: string[];
  db?: string;
  config?: string;
  table?: string;
  connectTimeout: number;
}

/** Adds --file (repeatable), --db, --config, --table and --connect-timeout. */
export function addReportSourceOptions(command: Command): Command {
  return command
    .option('--file <path>', 'read an NDJSON permission log (FileAuditLogger); repeat for rotated files', collect)
    .option('--db <url>', "read DatabaseAuditLogger's table instead (default: $AUDIT_EVENTS_DB, then the config file)")
    .option('--config <file>', 'config file (default: ./audit-events.config.{json,cjs,mjs,js} when present)')
    .option(
      '--table <name>',
      `the permission audit table (default: $${PERMISSION_TABLE_ENV}, or ${DEFAULT_PERMISSION_AUDIT_TABLE})`,
    )
    .option(
      '--connect-timeout <seconds>',
      'give up connecting after this long',
      parseSeconds,
      DEFAULT_CONNECT_TIMEOUT_MS / 1000,
    );
}

/** Adds --format table|json|csv (and --json, short for --format json). */
export function addFormatOptions(command: Command): Command {
  return command
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'csv']).default('table'))
    .option('--json', 'same as --format json');
}

/** Adds --tenant-id: every report can be limited to one tenant's decisions. */
export function addTenantOption(command: Command): Command {
  return command.option('--tenant-id <id>', 'only decisions (and request events) of this tenant', tenantId);
}

function tenantId(value: string): string {
  if (value.length === 0 || value.length > 255)
    throw new InvalidArgumentError('expected a tenant id (1 to 255 characters).');
  return value;
}

/** Flags of the denied and bypasses commands, as commander parsed them. */
export interface CountReportValues extends ReportSourceValues {
  by?: GroupKey[];
  since?: Date;
  until?: Date;
  tenantId?: string;
  format: ReportFormat;
  json?: boolean;
}

/** `--json` is short for `--format json`. */
export function formatOf(values: { format: ReportFormat; json?: boolean }): ReportFormat {
  return values.json === true ? 'json' : values.format;
}

/** Report options from the parsed flags (only the ones given). */
export function windowed(
  values: { since?: Date; until?: Date; tenantId?: string },
  by: GroupKey[] | undefined,
): {
  by?: GroupKey[];
  since?: Date;
  until?: Date;
  tenantId?: string;
} {
  const options: { by?: GroupKey[]; since?: Date; until?: Date; tenantId?: string } = {};
  if (by !== undefined) options.by = by;
  if (values.since !== undefined) options.since = values.since;
  if (values.until !== undefined) options.until = values.until;
  if (values.tenantId !== undefined) options.tenantId = values.tenantId;
  return options;
}
