import type { Command } from 'commander';
import { defineRegressionReport, type RegressionReport } from '@audit-events/core';
import { DEFAULT_REGRESSION_THRESHOLD } from '@audit-events/core/internal';
import type { CommandContext } from '../command-context.js';
import { ExitCode } from '../exit-codes.js';
import { count } from '../output/plural.js';
import { parseDeployment, parseThreshold, parseTime } from '../config/parse-options.js';
import { percent, regressionColumnsFor } from '../report/report-columns.js';
import {
  addFormatOptions,
  addReportSourceOptions,
  addTenantOption,
  formatOf,
  windowed,
  type ReportSourceValues,
} from '../report/report-flags.js';
import { printReport, windowText, type ReportFormat } from '../report/print-report.js';
import { loadReports } from '../report/report-source.js';

/** Exit code when a regression is flagged: what a CI step or a nightly job fails on. */
export const REGRESSION_FOUND = 1;

interface RegressionValues extends ReportSourceValues {
  baseline: string;
  candidate: string;
  threshold: number;
  since?: Date;
  until?: Date;
  tenantId?: string;
  format: ReportFormat;
  json?: boolean;
}

/**
 * `audit-events report regressions --baseline <deployment> --candidate <deployment>`: compares the
 * denied rate of every manager/attribute between two deployments (metadata.deployment, stamped
 * from AUDIT_EVENTS_DEPLOYMENT or configureDeployment()). Exits 1 when a group is flagged.
 */
export function registerReportRegressions(report: Command, ctx: CommandContext): void {
  const command = report
    .command('regressions')
    .description('compare denied rates per manager/attribute between two deployments; exit 1 when one regressed')
    .requiredOption(
      '--baseline <deployment>',
      'the deployment to compare against (metadata.deployment)',
      parseDeployment,
    )
    .requiredOption('--candidate <deployment>', 'the deployment under test', parseDeployment)
    .option(
      '--threshold <rise>',
      'flag a group whose denied rate rose by more than this (0.05 or 5% = five percentage points)',
      parseThreshold,
      DEFAULT_REGRESSION_THRESHOLD,
    )
    .option('--since <time>', 'decisions at or after this time', (v) => parseTime(v))
    .option('--until <time>', 'decisions before this time', (v) => parseTime(v));
  addFormatOptions(addReportSourceOptions(addTenantOption(command))).action(async (values: RegressionValues) => {
    const format = formatOf(values);
    ctx.useJson(format === 'json');
    ctx.finish(await regressions(values, format, ctx));
  });
}

async function regressions(values: RegressionValues, format: ReportFormat, ctx: CommandContext): Promise<number> {
  const definition = defineRegressionReport({
    ...windowed(values, undefined),
    baseline: values.baseline,
    candidate: values.candidate,
    threshold: values.threshold,
  });
  const { results, origin } = await loadReports(values, ctx, [definition] as const);
  const [result] = results;
  const missing = missingDeployments(result);
  if (missing.length > 0) {
    // A typo in a deployment name must not pass as "no regression".
    const message = `no decisions for ${missing.join(' or ')} in ${windowText(result.since, result.until, result.tenantId)}: check the deployment name (metadata.deployment)`;
    ctx.err(`error: ${message}`);
    if (format === 'json')
      ctx.out(JSON.stringify({ ok: false, error: { code: null, message, exitCode: ExitCode.USAGE } }));
    return ExitCode.USAGE;
  }
  printReport(ctx, {
    format,
    document: result,
    origin,
    columns: regressionColumnsFor(result),
    rows: result.rows,
    title: [
      `denied rates, ${result.baseline} (${result.baseline_decisions} decisions) → ${result.candidate} (${result.candidate_decisions} decisions), ` +
        `threshold ${percent(result.threshold)}, ${windowText(result.since, result.until, result.tenantId)}`,
    ],
    footer: [
      result.flagged === 0
        ? 'no regression'
        : `${count(result.flagged, 'group')} flagged: REGRESSED = denied rate rose by more than the threshold, NEW DENIALS = denials in a group ${result.baseline} never saw`,
    ],
  });
  return result.flagged > 0 ? REGRESSION_FOUND : ExitCode.OK;
}

function missingDeployments(report: RegressionReport): string[] {
  const missing: string[] = [];
  if (report.baseline_decisions === 0) missing.push(`baseline "${report.baseline}"`);
  if (report.candidate_decisions === 0) missing.push(`candidate "${report.candidate}"`);
  return missing;
}
