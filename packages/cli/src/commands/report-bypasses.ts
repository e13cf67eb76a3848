import type { Command } from 'commander';
import { DEFAULT_BYPASS_BY, defineBypassReport } from '@audit-events/core';
import type { CommandContext } from '../command-context.js';
import { ExitCode } from '../exit-codes.js';
import { parseGroupKeys, parseTime } from '../report/parse-report-options.js';
import { countColumns } from '../report/report-columns.js';
import { reportExit } from '../report/report-errors.js';
import { printReport, windowText } from '../report/print-report.js';
import { addFormatOptions, addReportSourceOptions, formatOf, windowed, type CountReportValues } from '../report/report-flags.js';
import { loadReports } from '../report/report-source.js';

/** `audit-events report bypasses [--by user] [--since] [--until]`. */
export function registerReportBypasses(report: Command, ctx: CommandContext): void {
  const command = report
    .command('bypasses')
    .description('count superuser bypasses (granted without evaluating any rule) per group, most first')
    .option('--by <keys>', `group by: user, manager, attribute, action (default: ${DEFAULT_BYPASS_BY.join(',')})`, parseGroupKeys)
    .option('--since <time>', 'decisions at or after this time', (v) => parseTime(v))
    .option('--until <time>', 'decisions before this time', (v) => parseTime(v));
  addFormatOptions(addReportSourceOptions(command)).action(async (values: CountReportValues) => {
    const format = formatOf(values);
    ctx.useJson(format === 'json');
    ctx.finish(
      await reportExit(ctx, format === 'json', async () => {
        const definition = defineBypassReport(windowed(values, values.by));
        const { results, origin } = await loadReports(values, ctx, [definition] as const);
        const [result] = results;
        printReport(ctx, {
          format,
          document: result,
          origin,
          columns: countColumns(result),
          rows: result.rows,
          title: [`superuser bypasses by ${result.by.join(', ')}: ${result.total} in ${windowText(result.since, result.until)}`],
        });
        return ExitCode.OK;
      }),
    );
  });
}
