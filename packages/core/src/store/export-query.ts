import { InvalidQueryError } from '../errors.js';
import type { EventQuery } from './event-store.js';
import { normalizeQuery, type NormalizedQuery } from './query.js';

/** Rows an export reads per page unless `pageSize` says otherwise. */
export const DEFAULT_EXPORT_PAGE_SIZE = 1000;
export const MAX_EXPORT_PAGE_SIZE = 10_000;

/**
 * What `store.export()` reads: the filters of find() (no `limit` or `cursor`: an export reads
 * every match, oldest first), plus where to read and how many rows per round trip.
 */
export interface ExportQuery extends Omit<EventQuery, 'limit' | 'cursor'> {
  /** Also read the archive table (stores that have one), merged in order. Default false. */
  includeArchive?: boolean;
  /** Rows per page read from the store; memory stays bounded by it. Default 1000, at most 10 000. */
  pageSize?: number;
}

/** An export query with its filters checked exactly as find() checks them. */
export interface NormalizedExportQuery {
  filters: Omit<NormalizedQuery, 'limit' | 'after'>;
  includeArchive: boolean;
  pageSize: number;
}

/**
 * Validates an export query before any store is read: InvalidQueryError for a bad filter (the
 * checks of normalizeQuery), a `limit` or `cursor` (an export is not paged by the caller), a
 * non-boolean `includeArchive` or a page size outside 1 to 10 000.
 */
export function normalizeExportQuery(query: ExportQuery = {}): NormalizedExportQuery {
  if (query === null || typeof query !== 'object' || Array.isArray(query)) {
    throw new InvalidQueryError('the export query must be an object of filters');
  }
  const { includeArchive, pageSize, ...rest } = query as ExportQuery & { limit?: unknown; cursor?: unknown };
  if ('limit' in rest || 'cursor' in rest) {
    throw new InvalidQueryError('an export reads every matching event: limit and cursor are not export filters');
  }
  if (includeArchive !== undefined && typeof includeArchive !== 'boolean') {
    throw new InvalidQueryError('includeArchive must be a boolean');
  }
  const size: unknown = pageSize ?? DEFAULT_EXPORT_PAGE_SIZE;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > MAX_EXPORT_PAGE_SIZE) {
    throw new InvalidQueryError(`pageSize must be an integer from 1 to ${MAX_EXPORT_PAGE_SIZE}`);
  }
  const { limit: _limit, after: _after, ...filters } = normalizeQuery(rest as EventQuery);
  if (
    filters.since !== undefined &&
    filters.until !== undefined &&
    filters.since.getTime() >= filters.until.getTime()
  ) {
    throw new InvalidQueryError('since must be before until');
  }
  return { filters, includeArchive: includeArchive ?? false, pageSize: size };
}

/** Oldest-first order of exports: createdAt ascending, then id ascending (byte order). */
export function compareOldestFirst(a: { createdAt: Date; id: string }, b: { createdAt: Date; id: string }): number {
  const byTime = a.createdAt.getTime() - b.createdAt.getTime();
  if (byTime !== 0) return byTime;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
