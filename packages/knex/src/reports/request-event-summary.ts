import type { Knex } from 'knex';
import { InvalidQueryError, type AuditEvent } from '@audit-events/core';
import { DEFAULT_TABLE_NAME } from '../schema/schema-options.js';
import { columnNames } from '../schema/ensure-schema.js';
import { dialectOf, probeDialect, rawRows, type DialectName } from '../sql/dialect.js';
import { quoteIdentifier } from '../sql/identifiers.js';
import { toDbString, toDbTimestamp } from '../sql/values.js';
import { checkTableName } from '../sql/identifiers.js';
import { rowToEvent, type EventRow } from '../store/event-row.js';

export interface RequestEventSummaryOptions {
  /** The request events table. Default `audit_events`. */
  tableName?: string;
  /** Events at or after this instant. */
  since?: Date;
  /** Events strictly before this instant. */
  until?: Date;
  /** Only this tenant's events. */
  tenantId?: string;
  /** Groups kept per dimension, most events first. Default 20, at most 200. */
  maxGroups?: number;
  /** Denied and failed events listed, newest first. Default 50, at most 1000. */
  maxListed?: number;
}

/** One group of a dimension: its value (null: none) and how many events it holds. */
export interface EventCount {
  value: string | null;
  count: number;
}

/** Counts of request events over a window, per dimension, and the latest that did not succeed. */
export interface RequestEventSummary {
  total: number;
  byContentType: EventCount[];
  byAction: EventCount[];
  byOutcome: EventCount[];
  byTenant: EventCount[];
  byActorType: EventCount[];
  /** Events with outcome `denied` or `failure` in all. */
  unsuccessfulTotal: number;
  /** The newest of them (at most `maxListed`), newest first. */
  unsuccessful: AuditEvent[];
}

type Dimension = 'byContentType' | 'byAction' | 'byOutcome' | 'byTenant' | 'byActorType';

/**
 * The request-events section of the HTML report: one GROUP BY per dimension (content type, action,
 * outcome, tenant, actor type) and one indexed read of the denied and failed events, over the
 * window. Reads group rows and `maxListed` events at most, whatever the table's size. Rows
 * written before the audit-model columns existed count as the readers default them: outcome
 * `success`, actor `user` with a user id and `anonymous` without, no action, no tenant.
 */
export async function summarizeRequestEvents(
  knex: Knex,
  options: RequestEventSummaryOptions = {},
): Promise<RequestEventSummary> {
  const tableName = checkTableName(options.tableName ?? DEFAULT_TABLE_NAME);
  const maxGroups = limit(options.maxGroups, 20, 200, 'maxGroups');
  const maxListed = limit(options.maxListed, 50, 1000, 'maxListed');
  const dialect = dialectOf(knex);
  const q = (name: string): string => quoteIdentifier(name, dialect);
  const columns = await columnNames(knex, tableName);
  const where: string[] = [];
  const bindings: Knex.RawBinding[] = [];
  if (options.since !== undefined) {
    where.push(`${q('created_at')} >= ?`);
    bindings.push(toDbTimestamp(checkDate(options.since, 'since'), dialect));
  }
  if (options.until !== undefined) {
    where.push(`${q('created_at')} < ?`);
    bindings.push(toDbTimestamp(checkDate(options.until, 'until'), dialect));
  }
  if (options.tenantId !== undefined) {
    if (typeof options.tenantId !== 'string' || options.tenantId.length === 0 || options.tenantId.length > 255) {
      throw new InvalidQueryError('tenantId must be a string of 1 to 255 characters');
    }
    // A table without the column holds no tenant's events.
    if (columns.has('tenant_id')) {
      where.push(`${q('tenant_id')} = ?`);
      bindings.push(toDbString(options.tenantId, dialect));
    } else where.push('1 = 0');
  }
  const filter = (extra?: string): string => {
    const all = extra === undefined ? where : [...where, extra];
    return all.length === 0 ? '' : ` where ${all.join(' and ')}`;
  };
  const table = q(tableName);
  const [totalRow] = rawRows<{ n: unknown }>(
    await knex.raw(`select count(*) as ${q('n')} from ${table}${filter()}`, bindings),
    dialect,
  );
  const total = Number(totalRow?.n ?? 0);

  const expressions = dimensionExpressions(columns, dialect);
  const summary: RequestEventSummary = {
    total,
    byContentType: [],
    byAction: [],
    byOutcome: [],
    byTenant: [],
    byActorType: [],
    unsuccessfulTotal: 0,
    unsuccessful: [],
  };
  for (const [dimension, expression] of expressions) {
    if (total === 0) continue;
    // A dimension the table has no column for is one group: every event has the default.
    if (typeof expression !== 'string') {
      summary[dimension] = [{ value: expression.constant, count: total }];
      continue;
    }
    const rows = rawRows<{ v: unknown; n: unknown }>(
      await knex.raw(
        `select ${expression} as ${q('v')}, count(*) as ${q('n')} from ${table}${filter()} group by 1 order by 2 desc limit ?`,
        [...bindings, maxGroups],
      ),
      dialect,
    );
    summary[dimension] = rows
      .map((row) => ({ value: text(row.v), count: Number(row.n) }))
      // Ties in value order, null first: the same on every dialect.
      .sort((a, b) => b.count - a.count || compareValues(a.value, b.value));
  }
  if (total > 0 && columns.has('outcome')) {
    const unsuccessful = `${q('outcome')} in ('denied', 'failure')`;
    const [n] = rawRows<{ n: unknown }>(
      await knex.raw(`select count(*) as ${q('n')} from ${table}${filter(unsuccessful)}`, bindings),
      dialect,
    );
    summary.unsuccessfulTotal = Number(n?.n ?? 0);
    if (summary.unsuccessfulTotal > 0) {
      const rows = rawRows<EventRow>(
        await knex.raw(
          `select * from ${table}${filter(unsuccessful)} order by ${q('created_at')} desc, ${q('id')} desc limit ?`,
          [...bindings, maxListed],
        ),
        dialect,
      );
      const traits = await probeDialect(knex, dialect);
      const ctx = { dialect, extraColumns: [], mapRow: undefined };
      summary.unsuccessful = rows.map((row) => rowToEvent(row, ctx, traits));
    }
  }
  return summary;
}

/** The SQL expression of each dimension, or the constant every row has when its column is missing. */
function dimensionExpressions(
  columns: ReadonlySet<string>,
  dialect: DialectName,
): Array<[Dimension, string | { constant: string | null }]> {
  const q = (name: string): string => quoteIdentifier(name, dialect);
  const derivedActor = `(case when ${q('user_id')} is null then 'anonymous' else 'user' end)`;
  return [
    ['byContentType', q('content_type')],
    ['byAction', columns.has('action') ? q('action') : { constant: null }],
    ['byOutcome', columns.has('outcome') ? `coalesce(${q('outcome')}, 'success')` : { constant: 'success' }],
    ['byTenant', columns.has('tenant_id') ? q('tenant_id') : { constant: null }],
    ['byActorType', columns.has('actor_type') ? `coalesce(${q('actor_type')}, ${derivedActor})` : derivedActor],
  ];
}

function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}

function compareValues(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

function checkDate(value: unknown, name: string): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime()))
    throw new InvalidQueryError(`${name} must be a valid Date`);
  return value;
}

function limit(value: number | undefined, fallback: number, max: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new InvalidQueryError(`${name} must be an integer from 1 to ${max}, got ${String(value)}`);
  }
  return value;
}
