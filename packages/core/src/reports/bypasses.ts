import { finishCountReport, type CountReport } from './count-report.js';
import { checkGroupKeys, columnsFor, type GroupKey } from './group-keys.js';
import { checkWindow, type ReportDefinition, type TimeWindow } from './report-definition.js';

export interface BypassReportOptions extends TimeWindow {
  /** Default `['user']`: who used the superuser shortcut; `['manager']` shows where. */
  by?: readonly (GroupKey | 'attributes')[];
}

export const DEFAULT_BYPASS_BY: readonly GroupKey[] = Object.freeze(['user']);

/** Counts of superuser bypasses (bypassed true) per group. InvalidQueryError for bad options. */
export function defineBypassReport(options: BypassReportOptions = {}): ReportDefinition<CountReport> {
  const by = checkGroupKeys(options.by, DEFAULT_BYPASS_BY);
  const window = checkWindow(options);
  return {
    query: { columns: columnsFor(by), where: { bypassed: true, ...window } },
    finish: (tallies) => finishCountReport('bypasses', tallies, by, window),
  };
}
