import type { Knex } from 'knex';
import type { ReportDefinition, ReportResults, RunReportsResult } from '@audit-events/core';
import { DEFAULT_PERMISSION_AUDIT_TABLE } from '../loggers/permission-audit-table.js';
import { checkTableName } from '../sql/identifiers.js';
import { queryTallies } from './query-tallies.js';

export interface PermissionReportSource {
  /** DatabaseAuditLogger's table. Default `permission_audit_log`. */
  tableName?: string;
}

/**
 * Runs a report (defineDeniedReport(), defineRegressionReport()…) over DatabaseAuditLogger's
 * table: the grouping runs in the database, and the same finishing code as for a log file turns
 * the groups into the report, so both give the same numbers for the same decisions.
 */
export async function queryReport<R>(
  knex: Knex,
  definition: ReportDefinition<R>,
  source: PermissionReportSource = {},
): Promise<R> {
  const table = checkTableName(source.tableName ?? DEFAULT_PERMISSION_AUDIT_TABLE);
  return definition.finish(await queryTallies(knex, table, definition.query));
}

/**
 * Several reports, one GROUP BY each, in order (one connection at a time). Same shape as core's
 * runReports(): `{ results, invalid }`, `invalid` always 0 (the table holds only decisions).
 */
export async function queryReports<const T extends readonly ReportDefinition<unknown>[]>(
  knex: Knex,
  definitions: T,
  source: PermissionReportSource = {},
): Promise<RunReportsResult<T>> {
  const table = checkTableName(source.tableName ?? DEFAULT_PERMISSION_AUDIT_TABLE);
  const results: unknown[] = [];
  for (const definition of definitions)
    results.push(definition.finish(await queryTallies(knex, table, definition.query)));
  return { results: results as ReportResults<T>, invalid: 0 };
}
