import type { Knex } from 'knex';
import { InvalidQueryError, type NormalizedQuery } from '@audit-events/core';
import { DEFAULT_OUTCOME } from '@audit-events/core/internal';
import { type DialectTraits } from '../sql/dialect.js';
import { toDbString, toDbTimestamp } from '../sql/values.js';

/** The column each equality filter of a normalized query compares. */
const EQUALITY_COLUMNS: Readonly<Record<string, string>> = {
  contentType: 'content_type',
  objectId: 'object_id',
  userId: 'user_id',
  requestId: 'request_id',
  tenantId: 'tenant_id',
  action: 'action',
  id: 'id',
};

/**
 * Adds a query's filters (everything but the page position) to a SELECT. A filter this function
 * does not know is refused rather than skipped: skipping it would widen an export silently.
 */
export function applyEventFilters(
  builder: Knex.QueryBuilder,
  filters: Omit<NormalizedQuery, 'limit' | 'after'>,
  traits: DialectTraits,
): void {
  for (const [key, value] of Object.entries(filters)) {
    if (value === undefined) continue;
    if (key === 'since') builder.where('created_at', '>=', toDbTimestamp(value as Date, traits.name));
    else if (key === 'until') builder.where('created_at', '<', toDbTimestamp(value as Date, traits.name));
    else if (key === 'outcome') {
      // Rows from before the outcome column read as 'success' (see rowToEvent): match them too.
      if (value === DEFAULT_OUTCOME) {
        builder.where((b) => {
          b.where('outcome', value).orWhereNull('outcome');
        });
      } else builder.where('outcome', value as string);
    } else if (key === 'actorType') {
      // Rows without an actor type read as 'user' with a user id and 'anonymous' without one.
      const derived = value === 'user' ? 'whereNotNull' : value === 'anonymous' ? 'whereNull' : null;
      if (derived === null) builder.where('actor_type', value as string);
      else {
        builder.where((b) => {
          b.where('actor_type', value as string).orWhere((old) => {
            old.whereNull('actor_type')[derived]('user_id');
          });
        });
      }
    } else {
      const column = EQUALITY_COLUMNS[key];
      if (column === undefined) throw new InvalidQueryError(`the store cannot filter by ${key}`);
      whereExactly(builder, column, toDbString(String(value), traits.name), traits);
    }
  }
}

/**
 * `column = value`, exactly. MySQL/MariaDB's PAD SPACE collations (utf8mb4_bin included) compare
 * 'acme' equal to 'acme ', so a tenant filter would also return the rows of a tenant whose id has
 * trailing spaces; the length check refuses those while the index still serves the equality.
 */
function whereExactly(builder: Knex.QueryBuilder, column: string, value: string, traits: DialectTraits): void {
  builder.where(column, value);
  if (traits.name === 'mysql') builder.whereRaw('char_length(??) = ?', [column, [...value].length]);
}
