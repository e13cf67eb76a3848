import type { Knex } from 'knex';
import { type ActorType, type EventPage, type EventQuery } from '@audit-events/core';
import { DEFAULT_OUTCOME, encodeCursor, normalizeQuery } from '@audit-events/core/internal';
import { type DialectTraits } from '../sql/dialect.js';
import { fromDbTimestamp, toDbString, toDbTimestamp } from '../sql/values.js';
import { bigintAlias, rowToEvent, type EventRow, type RowContext } from './event-row.js';

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
  const str = (value: string): string => toDbString(value, traits.name);
  const builder = knex(tableName).select('*');
  // node-sqlite3 and mysql2 (by default) round 64-bit integers to doubles; a text copy keeps
  // bigint extra columns exact.
  if (traits.name !== 'postgres') {
    ctx.extraColumns.forEach((column, i) => {
      if (column.type === 'bigint') {
        builder.select(knex.raw(`cast(?? as ${traits.name === 'mysql' ? 'char' : 'text'}) as ??`, [column.name, bigintAlias(i)]));
      }
    });
  }
  if (q.contentType !== undefined) builder.where('content_type', str(q.contentType));
  if (q.objectId !== undefined) builder.where('object_id', str(q.objectId));
  if (q.userId !== undefined) builder.where('user_id', str(q.userId));
  if (q.requestId !== undefined) builder.where('request_id', str(q.requestId));
  if (q.tenantId !== undefined) builder.where('tenant_id', str(q.tenantId));
  if (q.action !== undefined) builder.where('action', str(q.action));
  if (q.outcome !== undefined) whereWithDefault(builder, 'outcome', q.outcome, q.outcome === DEFAULT_OUTCOME);
  if (q.actorType !== undefined) whereActorType(builder, q.actorType);
  if (q.id !== undefined) builder.where('id', q.id);
  if (q.since !== undefined) builder.where('created_at', '>=', time(q.since));
  if (q.until !== undefined) builder.where('created_at', '<', time(q.until));
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

/**
 * `column = value`, or also `column is null` when the value is what a null column reads back as
 * (rows written before the upgrade): a filter matches exactly the events find() returns.
 */
function whereWithDefault(builder: Knex.QueryBuilder, column: string, value: string, orNull: boolean): void {
  if (!orNull) builder.where(column, value);
  else
    builder.where((b) => {
      b.where(column, value).orWhereNull(column);
    });
}

/** An old row's actor type is `user` when it has a user id, `anonymous` when not. */
function whereActorType(builder: Knex.QueryBuilder, actorType: ActorType): void {
  if (actorType !== 'user' && actorType !== 'anonymous') {
    builder.where('actor_type', actorType);
    return;
  }
  builder.where((b) => {
    b.where('actor_type', actorType).orWhere((old) => {
      old.whereNull('actor_type');
      if (actorType === 'user') old.whereNotNull('user_id');
      else old.whereNull('user_id');
    });
  });
}
