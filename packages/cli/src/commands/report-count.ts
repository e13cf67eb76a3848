import type { Command } from 'commander';
import type { CountReport, GroupKey, ReportDefinition } from '@audit-events/core';
import type { CommandContext } from '../command-context.js';
import { ExitCode } from '../exit-codes.js';
import { parseGroupKeys, parseTime } from '../config/parse-options.js';
import { countColumns } from '../report/report-columns.js';
import { printReport, windowText } from '../report/print-report.js';
import {
  addFormatOptions,
  addReportSourceOptions,
  addTenantOption,
  formatOf,
  windowed,
  type CountReportValues,
} from '../report/report-flags.js';
import { loadReports } from '../report/report-source.js';

/** What differs between the counting reports (denied, bypasses): everything else is shared here. */
export interface CountReportCommand {
  name: string;
  description: string;
  groupKeys: readonly string[];
  defaultBy: readonly string[];
  define: (options: {
    by?: GroupKey[];
    since?: Date;
    until?: Date;
    tenantId?: string;
  }) => ReportDefinition<CountReport>;
  /** What is counted, for the title line: "denied decisions", "superuser bypasses". */
  counted: string;
}

/** `audit-events report <name> [--by …] [--since] [--until]`: counts per group, most first. */
export function registerCountReport(report: Command, ctx: CommandContext, spec: CountReportCommand): void {
  const command = report
    .command(spec.name)
    .description(spec.description)
    .option(
      '--by <keys>',
      `group by: ${spec.groupKeys.join(', ')} (default: ${spec.defaultBy.join(',')})`,
      parseGroupKeys,
    )
    .option('--since <time>', 'decisions at or after this time', (v) => parseTime(v))
    .option('--until <time>', 'decisions before this time', (v) => parseTime(v));
  addFormatOptions(addReportSourceOptions(addTenantOption(command))).action(async (values: CountReportValues) => {
    const format = formatOf(values);
    ctx.useJson(format === 'json');
    ctx.finish(
      await (async () => {
        const definition = spec.define(windowed(values, values.by));
        const { results, origin } = await loadReports(values, ctx, [definition] as const);
        const [result] = results;
        printReport(ctx, {
          format,
          document: result,
          origin,
          columns: countColumns(result),
          rows: result.rows,
          title: [
            `${spec.counted} by ${result.by.join(', ')}: ${result.total} in ${windowText(result.since, result.until, result.tenantId)}`,
          ],
        });
        return ExitCode.OK;
      })(),
    );
  });
}
