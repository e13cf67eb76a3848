import type { Knex } from 'knex';
import type { Tally, TallyColumn, TallyQuery } from '@audit-events/core';
import { dialectOf, rawRows, type DialectName } from '../sql/dialect.js';
import { quoteIdentifier } from '../sql/identifiers.js';
import { checkTableName } from '../sql/identifiers.js';
import { booleanEquals, bucketExpression, columnExpression, timeAggregate, timeBinding, timeOf } from './report-sql.js';

/**
 * The database back end of TallyQuery: one GROUP BY over the permission audit table
 * (DatabaseAuditLogger's), returning one row per group, never the decisions themselves.
 */
export async function queryTallies(knex: Knex, tableName: string, query: TallyQuery): Promise<Tally[]> {
  const dialect = dialectOf(knex);
  const { sql, bindings } = tallySql(tableName, query, dialect);
  const rows = rawRows<Record<string, unknown>>(await knex.raw(sql, bindings), dialect);
  // Without GROUP BY, aggregates over no rows still return one row (count 0): not a group.
  return rows.map((row) => toTally(row, query)).filter((tally) => tally.count > 0);
}

/** The statement for a query; exported for tests and EXPLAIN. */
export function tallySql(
  tableName: string,
  query: TallyQuery,
  dialect: DialectName,
): { sql: string; bindings: Knex.RawBinding[] } {
  const table = quoteIdentifier(checkTableName(tableName), dialect);
  const selected: string[] = query.columns.map(
    (c) => `${columnExpression(c, dialect)} as ${quoteIdentifier(c, dialect)}`,
  );
  if (query.bucket !== undefined)
    selected.push(`${bucketExpression(query.bucket, dialect)} as ${quoteIdentifier('bucket', dialect)}`);
  const grouped = selected.length;
  selected.push(
    `count(*) as ${quoteIdentifier('n', dialect)}`,
    `${timeAggregate('min', dialect)} as ${quoteIdentifier('first_at', dialect)}`,
    `${timeAggregate('max', dialect)} as ${quoteIdentifier('last_at', dialect)}`,
  );
  const where: string[] = [];
  const bindings: Knex.RawBinding[] = [];
  const w = query.where;
  if (w.granted !== undefined) where.push(booleanEquals('granted', w.granted, dialect));
  if (w.bypassed !== undefined) where.push(booleanEquals('bypassed', w.bypassed, dialect));
  const time = quoteIdentifier('timestamp', dialect);
  if (w.since !== undefined) {
    where.push(`${time} >= ?`);
    bindings.push(timeBinding(w.since, dialect));
  }
  if (w.until !== undefined) {
    where.push(`${time} < ?`);
    bindings.push(timeBinding(w.until, dialect));
  }
  if (w.tenantId !== undefined) {
    where.push(`${quoteIdentifier('tenant_id', dialect)} = ?`);
    bindings.push(w.tenantId);
  }
  if (w.deployments !== undefined) {
    if (w.deployments.length === 0) where.push('1 = 0');
    else {
      where.push(`${columnExpression('deployment', dialect)} in (${w.deployments.map(() => '?').join(', ')})`);
      bindings.push(...w.deployments);
    }
  }
  let sql = `select ${selected.join(', ')} from ${table}`;
  if (where.length > 0) sql += ` where ${where.join(' and ')}`;
  // Ordinals: the expressions are long, and every dialect accepts `group by 1, 2`.
  if (grouped > 0) sql += ` group by ${Array.from({ length: grouped }, (_, i) => i + 1).join(', ')}`;
  return { sql, bindings };
}

function toTally(row: Record<string, unknown>, query: TallyQuery): Tally {
  const tally: Tally = { count: Number(row['n']), first: timeOf(row['first_at']), last: timeOf(row['last_at']) };
  for (const column of query.columns) setColumn(tally, column, row[column]);
  if (query.bucket !== undefined) tally.bucket = text(row['bucket']) ?? '';
  return tally;
}

function setColumn(tally: Tally, column: TallyColumn, value: unknown): void {
  switch (column) {
    case 'granted':
    case 'bypassed':
      tally[column] = value === true || (value !== false && value !== null && Number(value) !== 0);
      return;
    case 'attributes':
      tally.attributes = attributesOf(value);
      return;
    case 'action':
      tally.action = text(value) ?? '';
      return;
    default:
      tally[column] = text(value);
  }
}

function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}

/** The JSON list column: parsed by pg (and mysql2 on MySQL), JSON text elsewhere. */
function attributesOf(value: unknown): string[] {
  let list = value;
  if (typeof list === 'string' || Buffer.isBuffer(list)) {
    try {
      list = JSON.parse(String(list));
    } catch {
      return [];
    }
  }
  return Array.isArray(list) ? list.filter((item): item is string => typeof item === 'string') : [];
}
