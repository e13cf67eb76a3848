import { access, constants, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  ConfigurationError,
  readPermissionLog,
  runReports,
  type PermissionLogStats,
  type ReportDefinition,
  type ReportResults,
} from '@audit-events/core';
import { queryReports } from '@audit-events/knex';
import { checkTableName, DEFAULT_PERMISSION_AUDIT_TABLE } from '@audit-events/knex/internal';
import type { Knex } from 'knex';
import type { CommandContext } from '../command-context.js';
import type { DatabaseOptionValues } from '../config/database-options.js';
import { count } from '../output/plural.js';
import { systemReason } from '../output/error-text.js';
import { withStore } from '../store/with-store.js';
import { PERMISSION_TABLE_ENV, type ReportSourceValues } from './report-flags.js';

/** What the decisions were read from, for the report's header and JSON. */
export type ReportOrigin =
  { kind: 'file'; files: string[]; stats: PermissionLogStats } | { kind: 'database'; database: string; table: string };

export interface LoadedReports<T extends readonly ReportDefinition<unknown>[]> {
  results: ReportResults<T>;
  origin: ReportOrigin;
}

/**
 * Runs report definitions over the chosen source: the files, read once in a single streaming pass,
 * or the database, one GROUP BY per report.
 */
export async function loadReports<const T extends readonly ReportDefinition<unknown>[]>(
  values: ReportSourceValues,
  ctx: CommandContext,
  definitions: T,
): Promise<LoadedReports<T>> {
  if (values.file !== undefined && values.file.length > 0) {
    if (values.db !== undefined) throw new ConfigurationError('file', 'give either --file or --db, not both');
    return fromFiles(values.file, ctx, definitions);
  }
  return openDatabase(values, ctx, undefined, async (knex, database, table) => ({
    results: (await queryReports(knex, definitions, { tableName: table })).results,
    origin: { kind: 'database', database, table },
  }));
}

/** Runs report definitions over NDJSON files in one streaming pass; warns about skipped lines. */
export async function fromFiles<const T extends readonly ReportDefinition<unknown>[]>(
  files: string[],
  ctx: CommandContext,
  definitions: T,
): Promise<LoadedReports<T>> {
  const paths = files.map((file) => resolve(ctx.io.cwd, file));
  for (const path of paths) {
    try {
      await access(path, constants.R_OK);
    } catch (err) {
      throw new ConfigurationError('file', `cannot read ${path} (${systemReason(err, 'unreadable')})`, { cause: err });
    }
    if ((await stat(path)).isDirectory())
      throw new ConfigurationError('file', `${path} is a directory, not a log file`);
  }
  const stats: PermissionLogStats = {
    lines: 0,
    events: 0,
    malformed: 0,
    firstMalformedLine: null,
    tornLastLine: false,
  };
  async function* all(): AsyncGenerator<Record<string, unknown>> {
    for (const path of paths) {
      const reader = readPermissionLog(path);
      yield* reader;
      const s = reader.stats;
      if (s.malformed > 0)
        ctx.err(
          `warning: ${path}: skipped ${count(s.malformed, 'malformed line')}, the first at line ${s.firstMalformedLine}`,
        );
      if (s.tornLastLine)
        ctx.err(`warning: ${path}: the last line is incomplete (a writer was cut off or is still writing); skipped`);
      stats.lines += s.lines;
      stats.events += s.events;
      stats.malformed += s.malformed;
      stats.firstMalformedLine ??= s.firstMalformedLine;
      stats.tornLastLine ||= s.tornLastLine;
    }
  }
  const { results } = await runReports(definitions, all());
  return { results, origin: { kind: 'file', files: paths, stats } };
}

/**
 * Opens the database the flags, environment or config file name (with the CLI's usual masking
 * and exit codes), checks that the permission table exists, and runs `body`.
 */
export async function openDatabase<R>(
  values: ReportSourceValues,
  ctx: CommandContext,
  eventsTable: string | undefined,
  body: (knex: Knex, database: string, table: string, eventsTable: string) => Promise<R>,
  { requirePermissionTable = true }: { requirePermissionTable?: boolean } = {},
): Promise<R> {
  // Checked before connecting: a bad name is a configuration error (3), not a missing table (4).
  const table = checkTableName(
    values.table ?? nonEmpty(ctx.io.env[PERMISSION_TABLE_ENV]) ?? DEFAULT_PERMISSION_AUDIT_TABLE,
  );
  const dbValues: DatabaseOptionValues = { connectTimeout: values.connectTimeout };
  if (values.db !== undefined) dbValues.db = values.db;
  if (values.config !== undefined) dbValues.config = values.config;
  if (eventsTable !== undefined) dbValues.table = eventsTable;
  return withStore(dbValues, ctx, async (opened, settings) => {
    if (requirePermissionTable && !(await tableExists(opened.knex, table)))
      throw new MissingPermissionTableError(table, settings.target.display);
    return body(opened.knex, settings.target.display, table, opened.table);
  });
}

/**
 * The permission table is created by DatabaseAuditLogger on its first write, not by `migrate`,
 * so the CLI's usual "run migrate" hint would mislead: this error says what to do instead.
 */
export class MissingPermissionTableError extends Error {
  /** `eventsTable`: also missing, so not even a report of request events can be made. */
  constructor(table: string, database: string, eventsTable?: string) {
    super(
      `${table} does not exist on ${database}: DatabaseAuditLogger creates it on its first write; ` +
        'pass --table if your logger uses another name, or --file to read a log file' +
        (eventsTable === undefined
          ? ''
          : `; nor does the request events table ${eventsTable} (run \`audit-events migrate\`, or pass --events-table)`),
    );
    this.name = 'MissingPermissionTableError';
  }
}

export async function tableExists(knex: Knex, name: string): Promise<boolean> {
  const dot = name.indexOf('.');
  if (dot === -1) return knex.schema.hasTable(name);
  return knex.schema.withSchema(name.slice(0, dot)).hasTable(name.slice(dot + 1));
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
