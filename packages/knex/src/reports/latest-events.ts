import type { Knex } from 'knex';
import { InvalidQueryError, type AuditEvent, type EventQuery } from '@audit-events/core';
import { normalizeQuery } from '@audit-events/core/internal';
import { DEFAULT_TABLE_NAME } from '../schema/schema-options.js';
import { dialectOf, probeDialect, rawRows } from '../sql/dialect.js';
import { quoteIdentifier } from '../sql/identifiers.js';
import { fromDbTimestamp, toDbString, toDbTimestamp } from '../sql/values.js';
import { checkTableName } from '../sql/identifiers.js';
import { applyEventFilters } from '../store/event-filters.js';
import { rowToEvent, type EventRow } from '../store/event-row.js';

export interface LatestEventsOptions {
  /** The request events table. Default `audit_events`. */
  tableName?: string;
  /** Newest events shown per content type. Default 5, at most 100. */
  perType?: number;
  /** Content types shown, most recently active first. Default 20, at most 200. */
  maxTypes?: number;
  /** Only events at or after this instant. */
  since?: Date;
  /** Only events strictly before this instant. */
  until?: Date;
  /** Only this tenant's events. */
  tenantId?: string;
}

export interface ContentTypeEvents {
  contentType: string;
  /** Events of this type in the table. */
  total: number;
  /** Its newest event's time. */
  lastAt: Date;
  /** Its newest events, newest first. */
  events: AuditEvent[];
}

/**
 * The latest request events per content type, for the HTML report: one GROUP BY for the types
 * (most recently active first), then one keyset-ordered read per type through the store's own
 * row mapping. Reads `maxTypes × perType` events at most, whatever the table's size.
 */
export async function latestEventsByContentType(
  knex: Knex,
  options: LatestEventsOptions = {},
): Promise<ContentTypeEvents[]> {
  const tableName = checkTableName(options.tableName ?? DEFAULT_TABLE_NAME);
  const perType = limit(options.perType, 5, 100, 'perType');
  const maxTypes = limit(options.maxTypes, 20, 200, 'maxTypes');
  const dialect = dialectOf(knex);
  const q = (name: string): string => quoteIdentifier(name, dialect);
  // The same filters as the per-type reads below (find() checks them first, before any SQL).
  const filters: EventQuery = {};
  if (options.since !== undefined) filters.since = options.since;
  if (options.until !== undefined) filters.until = options.until;
  if (options.tenantId !== undefined) (filters as Record<string, unknown>)['tenantId'] = options.tenantId;
  normalizeQuery(filters);
  const where: string[] = [];
  const bindings: Knex.RawBinding[] = [];
  if (filters.since !== undefined) {
    where.push(`${q('created_at')} >= ?`);
    bindings.push(toDbTimestamp(filters.since, dialect));
  }
  if (filters.until !== undefined) {
    where.push(`${q('created_at')} < ?`);
    bindings.push(toDbTimestamp(filters.until, dialect));
  }
  if (options.tenantId !== undefined) {
    where.push(`${q('tenant_id')} = ?`);
    bindings.push(toDbString(options.tenantId, dialect));
  }
  const types = rawRows<Record<string, unknown>>(
    await knex.raw(
      `select ${q('content_type')} as ${q('t')}, count(*) as ${q('n')}, max(${q('created_at')}) as ${q('last_at')} ` +
        `from ${q(tableName)}${where.length === 0 ? '' : ` where ${where.join(' and ')}`} group by ${q('content_type')} order by 3 desc, 1 limit ?`,
      [...bindings, maxTypes],
    ),
    dialect,
  );
  const traits = await probeDialect(knex, dialect);
  const rows = { dialect, extraColumns: [], mapRow: undefined };
  const out: ContentTypeEvents[] = [];
  for (const type of types) {
    const contentType = String(type['t']);
    // The store's filters (applyEventFilters refuses one it does not know: a tenant filter must
    // never be dropped), newest first, through the store's row mapping.
    const { limit: _limit, after: _after, ...checked } = normalizeQuery({ ...filters, contentType });
    const builder = knex(tableName).select('*');
    applyEventFilters(builder, checked, traits);
    const found = (await builder
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(perType)) as EventRow[];
    out.push({
      contentType,
      total: Number(type['n']),
      lastAt: fromDbTimestamp(type['last_at']),
      events: found.map((row) => rowToEvent(row, rows, traits)),
    });
  }
  return out;
}

function limit(value: number | undefined, fallback: number, max: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new InvalidQueryError(`${name} must be an integer from 1 to ${max}, got ${String(value)}`);
  }
  return value;
}
