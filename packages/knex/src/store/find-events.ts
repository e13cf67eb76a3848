import type { Knex } from 'knex';
import { type EventPage, type EventQuery } from '@audit-events/core';
import { encodeCursor, normalizeQuery } from '@audit-events/core/internal';
import { type DialectTraits } from '../sql/dialect.js';
import { fromDbTimestamp, toDbTimestamp } from '../sql/values.js';
import { bigintAlias, rowToEvent, type EventRow, type RowContext } from './event-row.js';
import { applyEventFilters } from './event-filters.js';

/**
 * One page of events, newest first (created_at desc, id desc), with keyset pagination: the cursor
 * holds the last row's (created_at, id) and the next page starts strictly after it, so pages stay
 * stable while new events arrive and cost the same however deep the page.
 */
export async function findEvents(
  knex: Knex,
  tableName: string,
  query: EventQuery | undefined,
  ctx: RowContext,
  traits: DialectTraits,
): Promise<EventPage> {
  const q = normalizeQuery(query);
  const time = (date: Date): Date | number => toDbTimestamp(date, traits.name);
  const builder = knex(tableName).select('*');
  // node-sqlite3 and mysql2 (by default) round 64-bit integers to doubles; a text copy keeps
  // bigint extra columns exact.
  if (traits.name !== 'postgres') {
    ctx.extraColumns.forEach((column, i) => {
      if (column.type === 'bigint') {
        builder.select(
          knex.raw(`cast(?? as ${traits.name === 'mysql' ? 'char' : 'text'}) as ??`, [column.name, bigintAlias(i)]),
        );
      }
    });
  }
  const { limit: _limit, after: _after, ...filters } = q;
  applyEventFilters(builder, filters, traits);
  const after = q.after;
  if (after !== undefined) {
    builder.where((b) => {
      b.where('created_at', '<', time(after.createdAt)).orWhere((same) => {
        same.where('created_at', '=', time(after.createdAt)).andWhere('id', '<', after.id);
      });
    });
  }
  builder.orderBy([
    { column: 'created_at', order: 'desc' },
    { column: 'id', order: 'desc' },
  ]);
  // One row more than asked tells whether there is a next page without a COUNT.
  const rows = (await builder.limit(q.limit + 1)) as EventRow[];
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    events: page.map((row) => rowToEvent(row, ctx, traits)),
    nextCursor:
      rows.length > q.limit && last
        ? encodeCursor({ createdAt: fromDbTimestamp(last.created_at), id: String(last.id) })
        : null,
  };
}
