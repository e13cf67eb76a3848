import { ConfigurationError, InvalidQueryError, rejectUnknownOptions } from '../errors.js';
import { toJsonSafe } from '../events/json-safe.js';
import type { AuditEvent, JsonValue } from '../events/types.js';
import type { EventQuery, EventStore } from '../store/event-store.js';
import { FIELD_FILTER_KEYS, MAX_PAGE_SIZE } from '../store/query.js';
import {
  isVisible,
  pickFields,
  resolveFieldsOption,
  type EventFieldsOption,
  type FieldVisibility,
} from './listing-fields.js';
import { DEFAULT_MAX_LIMIT, parseListingQuery } from './listing-query.js';
import {
  applyScope,
  inScope,
  resolveScopeOption,
  scopeFor,
  type ScopeFilters,
  type ScopeOption,
} from './listing-scope.js';

export { DEFAULT_MAX_LIMIT, parseListingQuery } from './listing-query.js';

/**
 * The read-only HTTP API over stored events (the Express and Koa `auditEventsRouter`), written
 * once here: the framework packages only translate their request and response. Audit trails hold
 * personal data, so there is no open endpoint: `authorize` and `scope` are required.
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
  /**
   * Which events this request may see, ANDed into every query: `(req) => ({ tenantId })` (sync or
   * async), or `'all'` for an operator console. Required. Query parameters can only narrow it.
   */
  scope: ScopeOption<Req>;
  /** Fields left out for less privileged viewers: `{ exclude: [...] }` or `{ include: [...] }`. */
  fields?: EventFieldsOption;
  /** Largest page a caller may ask for with `limit`. Default 100, at most 1000. */
  maxLimit?: number;
}

export interface ResolvedRouterOptions<Req> {
  store: EventStore;
  authorize: (req: Req) => boolean | Promise<boolean>;
  scope: ScopeOption<Req>;
  /** The fields answered; null for all. */
  fields: FieldVisibility | null;
  maxLimit: number;
}

/** What the framework adapter sends back. */
export interface ListingResponse {
  status: number;
  headers: Record<string, string>;
  body: JsonValue;
}

/** Checks router options once, when the router is created. `extraKeys` are the adapter's own. */
export function resolveRouterOptions<Req>(
  input: EventsRouterOptions<Req>,
  extraKeys: readonly string[] = [],
): ResolvedRouterOptions<Req> {
  if (input === null || typeof input !== 'object') {
    throw new ConfigurationError('options', 'auditEventsRouter needs { store, authorize, scope }');
  }
  rejectUnknownOptions(input, new Set(['store', 'authorize', 'scope', 'fields', 'maxLimit', ...extraKeys]));
  const { store, authorize } = input;
  if (store === null || typeof store !== 'object' || typeof store.find !== 'function') {
    throw new ConfigurationError('store', 'must be an EventStore with find()');
  }
  if (typeof authorize !== 'function') {
    throw new ConfigurationError(
      'authorize',
      'is required: a function (req) => boolean deciding who may read audit events',
    );
  }
  const scope = resolveScopeOption<Req>(input.scope);
  const fields = resolveFieldsOption(input.fields);
  const maxLimit = input.maxLimit ?? DEFAULT_MAX_LIMIT;
  if (!Number.isInteger(maxLimit) || maxLimit < 1 || maxLimit > MAX_PAGE_SIZE) {
    throw new ConfigurationError('maxLimit', `must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  return { store, authorize, scope, fields, maxLimit };
}

const NO_STORE = { 'cache-control': 'no-store' };

function errorResponse(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): ListingResponse {
  return { status, headers: { ...NO_STORE, ...headers }, body: { error: { code, message } } };
}

/** The one answer for an event that is missing, outside the scope or not an id: nothing to tell apart. */
const NOT_FOUND = (): ListingResponse => errorResponse(404, 'AUDIT_NOT_FOUND', 'No such audit event');

/** 405 for writes, 403 unless authorized, else the request's scope (a bad one throws: 500). */
async function admit<Req>(
  options: ResolvedRouterOptions<Req>,
  req: Req,
  method: string,
): Promise<ListingResponse | { scope: ScopeFilters | null }> {
  if (method !== 'GET' && method !== 'HEAD') {
    return errorResponse(405, 'AUDIT_METHOD_NOT_ALLOWED', 'Audit events are read-only: use GET', {
      allow: 'GET, HEAD',
    });
  }
  const allowed: unknown = await options.authorize(req);
  if (allowed !== true) return errorResponse(403, 'AUDIT_FORBIDDEN', 'Not allowed to read audit events');
  return { scope: await scopeFor(options.scope, req) };
}

/** toJsonSafe: createdAt becomes ISO 8601 and bigint values of extra columns strings; then the visible fields. */
function present(event: AuditEvent, at: string, fields: FieldVisibility | null): JsonValue {
  return pickFields(toJsonSafe(event, at), fields);
}

/** Answers `GET <mount>`: 405, 403, 400 or 200 with `{ events, nextCursor }` inside the request's scope. */
export async function respondToListing<Req>(
  options: ResolvedRouterOptions<Req>,
  req: Req,
  method: string,
  rawQuery: Record<string, unknown>,
): Promise<ListingResponse> {
  const admitted = await admit(options, req, method);
  if ('status' in admitted) return admitted;
  let scoped: EventQuery | null;
  try {
    const query = parseListingQuery(rawQuery, options.maxLimit);
    for (const key of FIELD_FILTER_KEYS) {
      // Filtering on a hidden field would reveal it one guess at a time.
      if (!isVisible(key, options.fields) && query[key] !== undefined) {
        throw new InvalidQueryError(`${key} cannot be filtered on here: the field is not readable through this API`);
      }
    }
    scoped = applyScope(query, admitted.scope);
  } catch (err) {
    if (err instanceof InvalidQueryError) return errorResponse(400, err.code, err.message);
    throw err;
  }
  if (scoped === null) return { status: 200, headers: { ...NO_STORE }, body: { events: [], nextCursor: null } };
  let page;
  try {
    page = await options.store.find(scoped);
  } catch (err) {
    if (err instanceof InvalidQueryError) return errorResponse(400, err.code, err.message);
    throw err;
  }
  const events = page.events.filter((event) => inScope(event, admitted.scope));
  return {
    status: 200,
    headers: { ...NO_STORE },
    body: {
      events: events.map((event, i) => present(event, `events[${i}]`, options.fields)),
      nextCursor: page.nextCursor,
    },
  };
}

// Event ids are UUIDs, stored lower-case (normalizeQuery compares them so); nothing else names an event.
const EVENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Answers `GET <mount>/:id`: 405, 403, 404 or 200 with the event (the id in either case). Missing,
 * outside the scope and malformed ids are all the same 404, so a viewer cannot probe which ids exist elsewhere.
 * `rawQuery` must be empty: no parameter applies to one event (400 otherwise, as in the listing).
 */
export async function respondToEvent<Req>(
  options: ResolvedRouterOptions<Req>,
  req: Req,
  method: string,
  id: string,
  rawQuery: Record<string, unknown> = {},
): Promise<ListingResponse> {
  const admitted = await admit(options, req, method);
  if ('status' in admitted) return admitted;
  const names = rawQuery !== null && typeof rawQuery === 'object' ? Object.keys(rawQuery) : ['?'];
  if (names.length > 0) {
    return errorResponse(
      400,
      'AUDIT_BAD_QUERY',
      `Unknown parameter ${JSON.stringify(names[0]!.slice(0, 64))}; GET <mount>/:id takes none`,
    );
  }
  if (typeof id !== 'string' || !EVENT_ID.test(id)) return NOT_FOUND();
  id = id.toLowerCase();
  const query = applyScope({ id, limit: 1 }, admitted.scope);
  if (query === null) return NOT_FOUND();
  let page;
  try {
    page = await options.store.find(query);
  } catch (err) {
    if (err instanceof InvalidQueryError) return NOT_FOUND(); // a store stricter about ids than EVENT_ID
    throw err;
  }
  // Checked again: a store that ignored the id filter must not answer with some other event.
  const event = page.events.find((candidate) => candidate.id === id && inScope(candidate, admitted.scope));
  if (event === undefined) return NOT_FOUND();
  return { status: 200, headers: { ...NO_STORE }, body: present(event, 'event', options.fields) };
}
