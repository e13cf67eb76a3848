import { InvalidQueryError } from '../errors.js';
import { MAX_DEPLOYMENT_LENGTH } from '../permission/deployment.js';
import { compareKeyValues, keyValues, rowKeysOf } from './group-keys.js';
import { checkWindow, windowFields, type ReportDefinition, type TimeWindow } from './report-definition.js';
import type { Tally } from './tally.js';

export interface RegressionReportOptions extends TimeWindow {
  /** The deployment compared against (metadata.deployment of its events). */
  baseline: string;
  /** The deployment under test. */
  candidate: string;
  /**
   * Flag a manager/attribute whose denied rate rose by more than this, as a fraction (0.05 = five
   * percentage points: 2 % → 7.1 % is flagged, 2 % → 7 % is not). Default 0.05.
   */
  threshold?: number;
}

export const DEFAULT_REGRESSION_THRESHOLD = 0.05;

/** Rates are fractions of counts, so a rise equal to the threshold can land a rounding error above it. */
const EPSILON = 1e-9;

export interface RegressionRow {
  manager: string | null;
  /** null: operation-level decisions (no attribute). */
  attribute: string | null;
  baseline_total: number;
  baseline_denied: number;
  /** denied / total; null when the deployment has no decision for this group. */
  baseline_rate: number | null;
  candidate_total: number;
  candidate_denied: number;
  candidate_rate: number | null;
  /** candidate_rate − baseline_rate; null unless both deployments have decisions for the group. */
  change: number | null;
  flagged: boolean;
  /** `rate`: the denied rate rose past the threshold; `new`: only the candidate has the group, with denials. */
  reason: 'rate' | 'new' | null;
}

export interface RegressionReport {
  report: 'regressions';
  baseline: string;
  candidate: string;
  threshold: number;
  since: string | null;
  until: string | null;
  /** The tenant the report is limited to, when one was given. */
  tenantId?: string;
  /** Decisions of each deployment in the window. */
  baseline_decisions: number;
  candidate_decisions: number;
  /** How many rows are flagged; the CLI exits 1 when this is not 0. */
  flagged: number;
  /** Flagged rows first (largest change first, new groups after), then the others by change. */
  rows: RegressionRow[];
}

/**
 * Per manager/attribute: decisions and denials in two deployments, the denied rates, and whether
 * the candidate regressed. Decisions without a string metadata.deployment are not counted.
 */
export function defineRegressionReport(options: RegressionReportOptions): ReportDefinition<RegressionReport> {
  if (options === null || typeof options !== 'object') throw new InvalidQueryError('regression options are required');
  const baseline = deployment(options.baseline, 'baseline');
  const candidate = deployment(options.candidate, 'candidate');
  if (baseline === candidate) throw new InvalidQueryError('baseline and candidate must be different deployments');
  const threshold = options.threshold ?? DEFAULT_REGRESSION_THRESHOLD;
  if (typeof threshold !== 'number' || !Number.isFinite(threshold) || threshold < 0 || threshold > 1) {
    throw new InvalidQueryError(`threshold must be a fraction from 0 to 1, got ${String(threshold)}`);
  }
  const window = checkWindow(options);
  return {
    query: {
      columns: ['deployment', 'manager', 'attributes', 'granted'],
      where: { deployments: [baseline, candidate], ...window },
    },
    finish: (tallies) => finishRegressions(tallies, baseline, candidate, threshold, window),
  };
}

function deployment(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_DEPLOYMENT_LENGTH) {
    throw new InvalidQueryError(
      `${name} must name a deployment (a non-empty string of at most ${MAX_DEPLOYMENT_LENGTH} characters)`,
    );
  }
  return value;
}

interface Counts {
  manager: string | null;
  attribute: string | null;
  bt: number;
  bd: number;
  ct: number;
  cd: number;
}

function finishRegressions(
  tallies: readonly Tally[],
  baseline: string,
  candidate: string,
  threshold: number,
  window: TimeWindow,
): RegressionReport {
  const groups = new Map<string, Counts>();
  let baselineDecisions = 0;
  let candidateDecisions = 0;
  for (const t of tallies) {
    const isBaseline = t.deployment === baseline;
    if (!isBaseline && t.deployment !== candidate) continue;
    if (isBaseline) baselineDecisions += t.count;
    else candidateDecisions += t.count;
    const denied = t.granted === true ? 0 : t.count;
    for (const keys of rowKeysOf(t, ['manager', 'attribute'])) {
      const id = JSON.stringify(keyValues(keys, ['manager', 'attribute']));
      let c = groups.get(id);
      if (c === undefined) {
        c = { manager: keys.manager ?? null, attribute: keys.attribute ?? null, bt: 0, bd: 0, ct: 0, cd: 0 };
        groups.set(id, c);
      }
      if (isBaseline) {
        c.bt += t.count;
        c.bd += denied;
      } else {
        c.ct += t.count;
        c.cd += denied;
      }
    }
  }
  const rows = [...groups.values()].map((c) => row(c, threshold));
  rows.sort(compareRows);
  return {
    report: 'regressions',
    baseline,
    candidate,
    threshold,
    ...windowFields(window),
    baseline_decisions: baselineDecisions,
    candidate_decisions: candidateDecisions,
    flagged: rows.filter((r) => r.flagged).length,
    rows,
  };
}

function row(c: Counts, threshold: number): RegressionRow {
  const baselineRate = c.bt === 0 ? null : c.bd / c.bt;
  const candidateRate = c.ct === 0 ? null : c.cd / c.ct;
  const change = baselineRate === null || candidateRate === null ? null : candidateRate - baselineRate;
  let reason: RegressionRow['reason'] = null;
  if (change !== null && change > threshold + EPSILON) reason = 'rate';
  else if (baselineRate === null && c.cd > 0) reason = 'new';
  return {
    manager: c.manager,
    attribute: c.attribute,
    baseline_total: c.bt,
    baseline_denied: c.bd,
    baseline_rate: rounded(baselineRate),
    candidate_total: c.ct,
    candidate_denied: c.cd,
    candidate_rate: rounded(candidateRate),
    change: rounded(change),
    flagged: reason !== null,
    reason,
  };
}

/**
 * Rates and changes are reported to six decimals (0.05, not 0.04999999999999999); the flag was
 * decided on the exact values.
 */
function rounded(value: number | null): number | null {
  return value === null ? null : Math.round(value * 1e6) / 1e6;
}

function compareRows(a: RegressionRow, b: RegressionRow): number {
  if (a.flagged !== b.flagged) return a.flagged ? -1 : 1;
  // Known changes first, largest rise first; groups without a change (new or gone) after them.
  const ca = a.change ?? -Infinity;
  const cb = b.change ?? -Infinity;
  if (ca !== cb) return cb - ca;
  if (a.candidate_denied !== b.candidate_denied) return b.candidate_denied - a.candidate_denied;
  return compareKeyValues(keyValues(a, ['manager', 'attribute']), keyValues(b, ['manager', 'attribute']));
}
