import { ConfigurationError, InvalidQueryError, rejectUnknownOptions } from '../errors.js';
import { toJsonSafe } from '../events/json-safe.js';
import type { JsonValue } from '../events/types.js';
import type { EventQuery, EventStore } from '../store/event-store.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, normalizeQuery } from '../store/query.js';
import { parseQueryDate } from '../store/query-date.js';

/**
 * The read-only HTTP listing of stored events (the Express and Koa `auditEventsRouter`), written
 * once here: the framework packages only translate their request and response. Audit trails hold
 * personal data, so there is no open endpoint: `authorize` is required and must answer `true`.
 */
export interface EventsRouterOptions<Req = unknown> {
  /** Where events are read from (its `find`). Required. */
  store: EventStore;
  /**
   * Decides whether this request may read events. Required. May be async. Only exactly `true`
   * allows; anything else (false, undefined, a forgotten `return`) answers 403. A throw is passed
   * to the framework's error handling, so nothing is ever listed by mistake.
   */
  authorize: (req: Req) => boolean | Promise<boolean>;
  /** Largest page a caller may ask for with `limit`. Default 100, at most 1000. */
  maxLimit?: number;
}

export interface ResolvedRouterOptions<Req> {
  store: EventStore;
  authorize: (req: Req) => boolean | Promise<boolean>;
  maxLimit: number;
}

/** What the framework adapter sends back. */
export interface ListingResponse {
  status: number;
  headers: Record<string, string>;
  body: JsonValue;
}

export const DEFAULT_MAX_LIMIT = 100;

const FILTERS = ['contentType', 'objectId', 'userId', 'requestId', 'since', 'until', 'limit', 'cursor'] as const;

/** Checks router options once, when the router is created. `extraKeys` are the adapter's own. */
export function resolveRouterOptions<Req>(
  input: EventsRouterOptions<Req>,
  extraKeys: readonly string[] = [],
): ResolvedRouterOptions<Req> {
  if (input === null || typeof input !== 'object') {
    throw new ConfigurationError('options', 'auditEventsRouter needs { store, authorize }');
  }
  rejectUnknownOptions(input, new Set(['store', 'authorize', 'maxLimit', ...extraKeys]));
  const { store, authorize } = input;
  if (store === null || typeof store !== 'object' || typeof store.find !== 'function') {
    throw new ConfigurationError('store', 'must be an EventStore with find()');
  }
  if (typeof authorize !== 'function') {
    throw new ConfigurationError('authorize', 'is required: a function (req) => boolean deciding who may read audit events');
  }
  const maxLimit = input.maxLimit ?? DEFAULT_MAX_LIMIT;
  if (!Number.isInteger(maxLimit) || maxLimit < 1 || maxLimit > MAX_PAGE_SIZE) {
    throw new ConfigurationError('maxLimit', `must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  return { store, authorize, maxLimit };
}

/**
 * Turns a parsed query string into an EventQuery, or throws InvalidQueryError. Unknown or repeated
 * parameters are errors (a misspelt filter must not silently widen the result); empty values are
 * treated as absent, as an HTML form submits them. Dates are strict ISO 8601 (see parseQueryDate).
 * Messages name the parameter and echo at most a short prefix of what the client sent.
 */
export function parseListingQuery(raw: Record<string, unknown>, maxLimit: number = DEFAULT_MAX_LIMIT): EventQuery {
  const values: Partial<Record<(typeof FILTERS)[number], string>> = {};
  if (raw !== undefined && raw !== null && typeof raw !== 'object') throw new InvalidQueryError('the query string could not be read');
  for (const key of Object.keys(raw ?? {})) {
    if (!(FILTERS as readonly string[]).includes(key)) {
      throw new InvalidQueryError(`Unknown parameter ${JSON.stringify(key.slice(0, 64))}; expected one of ${FILTERS.join(', ')}`);
    }
    const value = raw[key];
    if (typeof value !== 'string') throw new InvalidQueryError(`${key} must be given once, as a plain value`);
    if (value.length > 0) values[key as (typeof FILTERS)[number]] = value;
  }
  const query: EventQuery = { limit: Math.min(DEFAULT_PAGE_SIZE, maxLimit) };
  if (values.limit !== undefined) {
    const limit = /^\d{1,4}$/.test(values.limit) ? Number(values.limit) : NaN;
    if (!(limit >= 1 && limit <= maxLimit)) throw new InvalidQueryError(`limit must be an integer from 1 to ${maxLimit}`);
    query.limit = limit;
  }
  for (const key of ['since', 'until'] as const) {
    const text = values[key];
    if (text === undefined) continue;
    const date = parseQueryDate(text);
    if (date === null) {
      throw new InvalidQueryError(`${key} must be a valid ISO 8601 date or date-time (UTC unless an offset is given) from 0001-01-01 to 9999-12-31`);
    }
    query[key] = date;
  }
  for (const key of ['contentType', 'objectId', 'userId', 'requestId', 'cursor'] as const) {
    if (values[key] !== undefined) query[key] = values[key];
  }
  normalizeQuery(query); // the stores' own checks (lengths, cursor format), before any store is asked
  return query;
}

function errorResponse(status: number, code: string, message: string, headers: Record<string, string> = {}): ListingResponse {
  return { status, headers: { 'cache-control': 'no-store', ...headers }, body: { error: { code, message } } };
}

/** Answers one request to the listing: 405, 403, 400 or 200 with `{ events, nextCursor }`. */
export async function respondToListing<Req>(
  options: ResolvedRouterOptions<Req>,
  req: Req,
  method: string,
  rawQuery: Record<string, unknown>,
): Promise<ListingResponse> {
  if (method !== 'GET' && method !== 'HEAD') {
    return errorResponse(405, 'AUDIT_METHOD_NOT_ALLOWED', 'Audit events are read-only: use GET', { allow: 'GET, HEAD' });
  }
  const allowed: unknown = await options.authorize(req);
  if (allowed !== true) return errorResponse(403, 'AUDIT_FORBIDDEN', 'Not allowed to read audit events');
  let page;
  try {
    page = await options.store.find(parseListingQuery(rawQuery, options.maxLimit));
  } catch (err) {
    if (err instanceof InvalidQueryError) return errorResponse(400, err.code, err.message);
    throw err;
  }
  return {
    status: 200,
    headers: { 'cache-control': 'no-store' },
    // toJsonSafe: createdAt becomes ISO 8601, and bigint values of extra columns become strings.
    body: { events: page.events.map((event, i) => toJsonSafe(event, `events[${i}]`)), nextCursor: page.nextCursor },
  };
}
