import { ConfigurationError } from '@audit-events/core';

const DAY_MS = 86_400_000;

/**
 * The archive cutoff: events created strictly before it are archived. `olderThan` is a Date, or a
 * number of days before `now` (fractions allowed: 0.5 is twelve hours; 0 means "everything so far").
 */
export function resolveCutoff(olderThan: unknown, now: number = Date.now()): Date {
  if (olderThan instanceof Date) {
    if (Number.isNaN(olderThan.getTime())) throw new ConfigurationError('olderThan', 'is an invalid Date');
    return new Date(olderThan.getTime());
  }
  if (typeof olderThan === 'number' && Number.isFinite(olderThan) && olderThan >= 0) {
    const cutoff = new Date(now - olderThan * DAY_MS);
    if (!Number.isNaN(cutoff.getTime())) return cutoff;
  }
  throw new ConfigurationError('olderThan', `must be a Date or a number of days >= 0, got ${String(olderThan)}`);
}
