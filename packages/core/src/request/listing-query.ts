import { InvalidQueryError } from '../errors.js';
import type { EventQuery } from '../store/event-store.js';
import { DEFAULT_PAGE_SIZE, FIELD_FILTER_KEYS, normalizeQuery, type FieldFilterKey } from '../store/query.js';
import { parseTimeBound } from '../store/query-date.js';

/** Largest page a caller may ask for unless the router's `maxLimit` says otherwise. */
export const DEFAULT_MAX_LIMIT = 100;

/** The parameters of `GET <mount>`, each an EventQuery key of the same name. */
export const LISTING_PARAMETERS = [...FIELD_FILTER_KEYS, 'since', 'until', 'limit', 'cursor'] as const;
export type ListingParameter = (typeof LISTING_PARAMETERS)[number];
/** The parameters copied into the query as the client sent them (normalizeQuery checks them). */
const COPIED_PARAMETERS = [...FIELD_FILTER_KEYS, 'cursor'] as const;

/**
 * Turns a parsed query string into an EventQuery, or throws InvalidQueryError. Unknown or repeated
 * parameters are errors (a misspelt filter must not silently widen the result); empty values are
 * treated as absent, as an HTML form submits them. `since`/`until` take what the CLI takes
 * (parseTimeBound: strict ISO 8601 or an age such as `7d`). Messages name the parameter and echo
 * at most a short prefix of what the client sent.
 */
export function parseListingQuery(
  raw: Record<string, unknown>,
  maxLimit: number = DEFAULT_MAX_LIMIT,
  now: () => number = Date.now,
): EventQuery {
  const values: Partial<Record<ListingParameter, string>> = {};
  if (raw !== undefined && raw !== null && typeof raw !== 'object')
    throw new InvalidQueryError('the query string could not be read');
  for (const key of Object.keys(raw ?? {})) {
    if (!(LISTING_PARAMETERS as readonly string[]).includes(key)) {
      throw new InvalidQueryError(
        `Unknown parameter ${JSON.stringify(key.slice(0, 64))}; expected one of ${LISTING_PARAMETERS.join(', ')}`,
      );
    }
    const value = raw[key];
    if (typeof value !== 'string') throw new InvalidQueryError(`${key} must be given once, as a plain value`);
    if (value.length > 0) values[key as ListingParameter] = value;
  }
  const query: EventQuery = { limit: Math.min(DEFAULT_PAGE_SIZE, maxLimit) };
  if (values.limit !== undefined) {
    const limit = /^\d{1,4}$/.test(values.limit) ? Number(values.limit) : NaN;
    if (!(limit >= 1 && limit <= maxLimit))
      throw new InvalidQueryError(`limit must be an integer from 1 to ${maxLimit}`);
    query.limit = limit;
  }
  for (const key of ['since', 'until'] as const) {
    const text = values[key];
    if (text === undefined) continue;
    const date = parseTimeBound(text, now);
    if (date === null) {
      throw new InvalidQueryError(
        `${key} must be a valid ISO 8601 date or date-time (UTC unless an offset is given) from 0001-01-01 to 9999-12-31, or an age such as 30m, 12h, 7d, 2w`,
      );
    }
    query[key] = date;
  }
  // outcome and actorType are checked against their sets by normalizeQuery below; copied as sent.
  const filters = query as Partial<Record<FieldFilterKey | 'cursor', string>>;
  for (const key of COPIED_PARAMETERS) {
    if (values[key] !== undefined) filters[key] = values[key];
  }
  normalizeQuery(query); // the stores' own checks (lengths, sets, cursor format), before any store is asked
  return query;
}
