import { InvalidQueryError } from '../errors.js';
import type { EventQuery } from './event-store.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

/** Position after which the next page starts: events strictly older than (createdAt, id). */
export interface CursorPosition {
  createdAt: Date;
  id: string;
}

/** A query with its defaults applied and its values checked; shared by every store. */
export interface NormalizedQuery {
  contentType?: string;
  objectId?: string;
  userId?: string;
  requestId?: string;
  since?: Date;
  until?: Date;
  limit: number;
  after?: CursorPosition;
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt.getTime(), position.id])).toString('base64url');
}

export function decodeCursor(cursor: string): CursorPosition {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      Number.isFinite(parsed[0]) &&
      typeof parsed[1] === 'string' &&
      parsed[1].length <= 64
    ) {
      return { createdAt: new Date(parsed[0] as number), id: parsed[1] };
    }
  } catch {
    // fall through to the typed error
  }
  throw new InvalidQueryError('Invalid cursor');
}

function checkDate(name: string, value: unknown): Date | undefined {
  if (value === undefined || value === null) return undefined;
  const date = value instanceof Date ? value : new Date(value as string);
  if (Number.isNaN(date.getTime())) throw new InvalidQueryError(`${name} is not a valid date`);
  return date;
}

function checkString(name: string, value: unknown, max = 255): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'bigint') {
    throw new InvalidQueryError(`${name} must be a string or a number`);
  }
  const text = String(value);
  if (text.length === 0 || text.length > max) {
    throw new InvalidQueryError(`${name} must be 1 to ${max} characters`);
  }
  return text;
}

/** Applies defaults and validates a query; throws InvalidQueryError on bad values. */
export function normalizeQuery(query: EventQuery = {}): NormalizedQuery {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new InvalidQueryError(`limit must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  const normalized: NormalizedQuery = { limit };
  const contentType = checkString('contentType', query.contentType);
  const objectId = checkString('objectId', query.objectId);
  const userId = checkString('userId', query.userId);
  const requestId = checkString('requestId', query.requestId, 128);
  const since = checkDate('since', query.since);
  const until = checkDate('until', query.until);
  if (contentType !== undefined) normalized.contentType = contentType;
  if (objectId !== undefined) normalized.objectId = objectId;
  if (userId !== undefined) normalized.userId = userId;
  if (requestId !== undefined) normalized.requestId = requestId;
  if (since !== undefined) normalized.since = since;
  if (until !== undefined) normalized.until = until;
  if (query.cursor !== undefined && query.cursor !== null && query.cursor !== '') {
    normalized.after = decodeCursor(String(query.cursor));
  }
  return normalized;
}

/** Newest-first order used by every store: createdAt descending, then id descending. */
export function compareNewestFirst(
  a: { createdAt: Date; id: string },
  b: { createdAt: Date; id: string },
): number {
  const byTime = b.createdAt.getTime() - a.createdAt.getTime();
  if (byTime !== 0) return byTime;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}
