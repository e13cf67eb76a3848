import { ConfigurationError, InvalidQueryError, InvalidScopeError } from '../errors.js';
import type { AuditEvent } from '../events/types.js';
import type { EventQuery } from '../store/event-store.js';
import { FIELD_FILTER_KEYS, normalizeQuery } from '../store/query.js';
import { parseTimeBound } from '../store/query-date.js';

/**
 * What one viewer may see: EventQuery filters ANDed into every query of a read router. `since` and
 * `until` may also be an age such as `'90d'` (counted from each request).
 */
export type EventScope = Omit<EventQuery, 'limit' | 'cursor'>;

/**
 * The router's `scope` option: a function of the request (sync or async) returning the viewer's
 * filters, or the literal `'all'` for an operator console that may read every event.
 */
export type ScopeOption<Req> = 'all' | ((req: Req) => EventScope | Promise<EventScope>);

/** Filters compared by equality; the router refuses to widen them and re-checks every event. */
const EQUALITY_KEYS = [...FIELD_FILTER_KEYS, 'id'] as const;
type EqualityKey = (typeof EQUALITY_KEYS)[number];
const SCOPE_KEYS: ReadonlySet<string> = new Set([...EQUALITY_KEYS, 'since', 'until']);

/** A checked scope: each value as the stores compare it (strings, whole-millisecond Dates). */
export interface ScopeFilters {
  equal: Partial<Record<EqualityKey, string>>;
  since?: Date;
  until?: Date;
}

/** Checks the option when the router is created: a function or `'all'`, nothing else. */
export function resolveScopeOption<Req>(value: unknown): ScopeOption<Req> {
  if (value === 'all' || typeof value === 'function') return value as ScopeOption<Req>;
  throw new ConfigurationError(
    'scope',
    value === undefined
      ? "is required: a function (req) => filters such as { tenantId } ANDed into every query, or 'all' for an operator console"
      : "must be a function (req) => filters, or the string 'all'",
  );
}

function shown(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 40));
  return typeof value;
}

/**
 * The filters of one request, or null for `'all'`. A scope function's own throw or rejection
 * propagates unchanged; an answer that is not a scope is an InvalidScopeError. Either way the
 * request fails (500 through the app's error handler) and nothing unscoped is listed.
 */
export async function scopeFor<Req>(
  scope: ScopeOption<Req>,
  req: Req,
  now: () => number = Date.now,
): Promise<ScopeFilters | null> {
  if (scope === 'all') return null;
  return checkScope(await scope(req), now);
}

/**
 * Validates what a scope function returned: a plain object naming at least one known filter, each
 * with a value of the right type. `{}`, `{ tenantId: undefined }` (a tenant lookup that found
 * none) and `null` values are refused: each would read as "no filter", an unscoped answer.
 */
export function checkScope(value: unknown, now: () => number = Date.now): ScopeFilters {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidScopeError(
      `scope(req) must return an object of filters such as { tenantId }, not ${shown(value)}`,
    );
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    throw new InvalidScopeError('scope(req) must return a plain object of filters, not a class instance');
  }
  const keys = Reflect.ownKeys(value);
  if (keys.length === 0) {
    throw new InvalidScopeError(
      "scope(req) returned {}: a scope names at least one filter (mount a router with scope: 'all' for an unscoped view)",
    );
  }
  const query: Record<string, unknown> = {};
  for (const key of keys) {
    if (typeof key !== 'string' || !SCOPE_KEYS.has(key)) {
      throw new InvalidScopeError(
        `scope(req) returned the unknown filter ${JSON.stringify(String(key).slice(0, 64))}; known: ${[...SCOPE_KEYS].join(', ')}`,
      );
    }
    const item: unknown = (value as Record<string, unknown>)[key];
    if (item === undefined || item === null) {
      throw new InvalidScopeError(
        `scope(req) returned ${key}: ${String(item)}; a scope filter needs a value (refusing rather than reading unscoped)`,
      );
    }
    if ((key === 'since' || key === 'until') && typeof item === 'string') {
      const date = parseTimeBound(item, now);
      if (date === null)
        throw new InvalidScopeError(`scope(req) returned ${key}: ${shown(item)}, not a date or an age such as 90d`);
      query[key] = date;
    } else {
      query[key] = item;
    }
  }
  let normalized: Record<string, unknown>;
  try {
    normalized = normalizeQuery(query as EventQuery) as unknown as Record<string, unknown>;
  } catch (err) {
    if (err instanceof InvalidQueryError)
      throw new InvalidScopeError(`scope(req) returned a bad filter: ${err.message}`, { cause: err });
    throw err;
  }
  const filters: ScopeFilters = { equal: {} };
  for (const key of EQUALITY_KEYS) {
    const text = normalized[key];
    if (typeof text === 'string') filters.equal[key] = text;
  }
  if (normalized['since'] instanceof Date) filters.since = normalized['since'];
  if (normalized['until'] instanceof Date) filters.until = normalized['until'];
  return filters;
}

/**
 * The query a scoped viewer's request runs: the scope's filters ANDed into the client's. A client
 * value for a scoped key that differs from the scope's cannot match anything (A AND B), so the
 * answer is null, "nothing", and no store is asked; time bounds are intersected.
 */
export function applyScope(query: EventQuery, filters: ScopeFilters | null): EventQuery | null {
  if (filters === null) return query;
  const merged: Record<string, unknown> = { ...query };
  for (const [key, value] of Object.entries(filters.equal)) {
    const asked = merged[key];
    if (asked !== undefined && String(asked) !== value) return null;
    merged[key] = value;
  }
  const scoped = merged as EventQuery;
  if (filters.since !== undefined && (query.since === undefined || query.since < filters.since))
    scoped.since = filters.since;
  if (filters.until !== undefined && (query.until === undefined || query.until > filters.until))
    scoped.until = filters.until;
  if (scoped.since !== undefined && scoped.until !== undefined && scoped.since >= scoped.until) return null;
  return scoped;
}

/**
 * Whether a stored event lies inside the scope, compared exactly. The store already filtered; this
 * second check means a store that compares loosely (MySQL's PAD SPACE collations find `'acme '`
 * for `'acme'`) or ignores a filter still cannot hand another tenant's event to this viewer.
 */
export function inScope(event: AuditEvent, filters: ScopeFilters | null): boolean {
  if (filters === null) return true;
  const fields = event as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(filters.equal)) {
    if (fields[key] !== value) return false;
  }
  const time = event.createdAt instanceof Date ? event.createdAt.getTime() : NaN;
  if (filters.since !== undefined && !(time >= filters.since.getTime())) return false;
  if (filters.until !== undefined && !(time < filters.until.getTime())) return false;
  return true;
}
