import { finishCountReport, type CountReport } from './count-report.js';
import { checkGroupKeys, columnsFor, type GroupKey } from './group-keys.js';
import { checkWindow, type ReportDefinition, type TimeWindow } from './report-definition.js';

export interface DeniedReportOptions extends TimeWindow {
  /** Default `['manager', 'attribute']`: which resource and field a rule refused most. */
  by?: readonly (GroupKey | 'attributes')[];
}

export const DEFAULT_DENIED_BY: readonly GroupKey[] = Object.freeze(['manager', 'attribute']);

/** Counts of denied decisions (granted false) per group. InvalidQueryError for bad options. */
export function defineDeniedReport(options: DeniedReportOptions = {}): ReportDefinition<CountReport> {
  const by = checkGroupKeys(options.by, DEFAULT_DENIED_BY);
  const window = checkWindow(options);
  return {
    query: { columns: columnsFor(by), where: { granted: false, ...window } },
    finish: (tallies) => finishCountReport('denied', tallies, by, window),
  };
}
