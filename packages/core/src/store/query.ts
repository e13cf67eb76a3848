import { InvalidQueryError } from '../errors.js';
import {
  ACTOR_TYPES,
  MAX_ACTION_LENGTH,
  MAX_TENANT_ID_LENGTH,
  OUTCOMES,
  type ActorType,
  type Outcome,
} from '../events/audit-model.js';
import { decodeCursor, type CursorPosition } from './cursor.js';
import type { EventQuery } from './event-store.js';
import { checkQueryDate } from './query-date.js';

export { decodeCursor, encodeCursor, type CursorPosition } from './cursor.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

/** A query with its defaults applied and its values checked; shared by every store. */
export interface NormalizedQuery {
  contentType?: string;
  objectId?: string;
  userId?: string;
  requestId?: string;
  tenantId?: string;
  action?: string;
  outcome?: Outcome;
  actorType?: ActorType;
  /** Lower-case canonical UUID. */
  id?: string;
  since?: Date;
  until?: Date;
  limit: number;
  after?: CursorPosition;
}

/**
 * The filters that match the event field of the same name by equality: one list for find(), the
 * events router's parameters and its scopes, so that a filter added to one is added to all.
 */
export const FIELD_FILTER_KEYS = [
  'contentType',
  'objectId',
  'userId',
  'requestId',
  'tenantId',
  'action',
  'outcome',
  'actorType',
] as const;
export type FieldFilterKey = (typeof FIELD_FILTER_KEYS)[number];

const QUERY_KEYS: ReadonlySet<string> = new Set([...FIELD_FILTER_KEYS, 'id', 'since', 'until', 'limit', 'cursor']);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function checkOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidQueryError(`${name} must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/** Any UUID (not only this library's v7 ids: a store may hold imported events), compared lower-case. */
function checkId(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length !== 36 || !UUID.test(value.toLowerCase())) {
    throw new InvalidQueryError('id must be a UUID');
  }
  return value.toLowerCase();
}

function checkString(name: string, value: unknown, max = 255): string | undefined {
  if (value === undefined || value === null) return undefined;
  let text: string;
  if (typeof value === 'string') text = value;
  else if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'bigint') text = String(value);
  else throw new InvalidQueryError(`${name} must be a string or a finite number`);
  if (text.length === 0 || text.length > max) {
    throw new InvalidQueryError(`${name} must be 1 to ${max} characters`);
  }
  return text;
}

/**
 * Applies defaults and validates a query; throws InvalidQueryError on bad values, before any store
 * is asked. Every store calls it first, so a library caller's find() refuses what the HTTP listing
 * refuses: unknown keys (a misspelt filter would silently widen the result), wrong types, dates
 * outside 0001-9999 or impossible, forged cursors.
 */
export function normalizeQuery(query: EventQuery = {}): NormalizedQuery {
  if (query === null || typeof query !== 'object' || Array.isArray(query)) {
    throw new InvalidQueryError('the query must be an object of filters');
  }
  for (const key of Object.keys(query)) {
    if (!QUERY_KEYS.has(key)) throw new InvalidQueryError(`unknown filter ${JSON.stringify(key.slice(0, 64))}`);
  }
  const limit: unknown = query.limit ?? DEFAULT_PAGE_SIZE;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new InvalidQueryError(`limit must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  const normalized: NormalizedQuery = { limit };
  const contentType = checkString('contentType', query.contentType);
  const objectId = checkString('objectId', query.objectId);
  const userId = checkString('userId', query.userId);
  const requestId = checkString('requestId', query.requestId, 128);
  const tenantId = checkString('tenantId', query.tenantId, MAX_TENANT_ID_LENGTH);
  const action = checkString('action', query.action, MAX_ACTION_LENGTH);
  const outcome = checkOneOf('outcome', query.outcome, OUTCOMES);
  const actorType = checkOneOf('actorType', query.actorType, ACTOR_TYPES);
  const id = checkId(query.id);
  const since = checkQueryDate('since', query.since);
  const until = checkQueryDate('until', query.until);
  if (contentType !== undefined) normalized.contentType = contentType;
  if (objectId !== undefined) normalized.objectId = objectId;
  if (userId !== undefined) normalized.userId = userId;
  if (requestId !== undefined) normalized.requestId = requestId;
  if (tenantId !== undefined) normalized.tenantId = tenantId;
  if (action !== undefined) normalized.action = action;
  if (outcome !== undefined) normalized.outcome = outcome;
  if (actorType !== undefined) normalized.actorType = actorType;
  if (id !== undefined) normalized.id = id;
  if (since !== undefined) normalized.since = since;
  if (until !== undefined) normalized.until = until;
  if (query.cursor !== undefined && query.cursor !== null && query.cursor !== '') {
    normalized.after = decodeCursor(query.cursor);
  }
  return normalized;
}

/** Newest-first order used by every store: createdAt descending, then id descending. */
export function compareNewestFirst(a: { createdAt: Date; id: string }, b: { createdAt: Date; id: string }): number {
  const byTime = b.createdAt.getTime() - a.createdAt.getTime();
  if (byTime !== 0) return byTime;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}
