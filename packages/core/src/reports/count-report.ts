import { compareKeyValues, keyValues, rowKeysOf, type GroupKey, type GroupRow } from './group-keys.js';
import { iso, windowFields, type TimeWindow } from './report-definition.js';
import type { Tally } from './tally.js';

/** The result of the denied and bypasses reports. */
export interface CountReport {
  report: 'denied' | 'bypasses';
  by: GroupKey[];
  since: string | null;
  until: string | null;
  /** The tenant the report is limited to, when one was given. */
  tenantId?: string;
  /** Decisions counted. With `by` including attribute, rows can add up to more (one per attribute). */
  total: number;
  /** Largest count first; ties in key order (null first, then code-unit order). */
  rows: GroupRow[];
}

/** Merges tallies into rows per group key (exploding attributes), sorted. */
export function finishCountReport(
  report: CountReport['report'],
  tallies: readonly Tally[],
  by: readonly GroupKey[],
  window: TimeWindow,
): CountReport {
  const rows = new Map<string, GroupRow & { _first: number; _last: number }>();
  let total = 0;
  for (const tally of tallies) {
    total += tally.count;
    for (const keys of rowKeysOf(tally, by)) {
      const id = JSON.stringify(keyValues(keys, by));
      const found = rows.get(id);
      if (found === undefined) {
        rows.set(id, {
          ...keys,
          count: tally.count,
          first_at: '',
          last_at: '',
          _first: tally.first,
          _last: tally.last,
        });
      } else {
        found.count += tally.count;
        found._first = Math.min(found._first, tally.first);
        found._last = Math.max(found._last, tally.last);
      }
    }
  }
  const out: GroupRow[] = [...rows.values()].map(({ _first, _last, ...row }) => ({
    ...row,
    first_at: iso(_first),
    last_at: iso(_last),
  }));
  out.sort((a, b) => b.count - a.count || compareKeyValues(keyValues(a, by), keyValues(b, by)));
  return { report, by: [...by], ...windowFields(window), total, rows: out };
}
