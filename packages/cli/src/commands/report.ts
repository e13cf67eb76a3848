import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { registerReportBypasses } from './report-bypasses.js';
import { registerReportDenied } from './report-denied.js';
import { registerReportHtml } from './report-html.js';
import { registerReportRegressions } from './report-regressions.js';

const REPORT_HELP = `
Every report reads the permission log from --file (NDJSON, as FileAuditLogger writes it; repeat
for rotated files) or from DatabaseAuditLogger's table (--db / $AUDIT_EVENTS_DB / config file,
--table, default permission_audit_log). --since/--until take 2025-03-01, 2025-03-01T12:00Z or 7d.

Exit codes: 0 done; 1 regressions flagged (report regressions); 2 bad command line, or a
deployment with no decisions; 3 bad configuration or unreadable --file; 4 database failure.`;

/** `audit-events report <kind>`: denied, bypasses, regressions, html. */
export function registerReport(program: Command, ctx: CommandContext): void {
  const report = program
    .command('report')
    .description(
      'reports on the permission audit log (denied decisions, bypasses, regressions) and an HTML overview with the latest request events',
    )
    .addHelpText('after', REPORT_HELP);
  registerReportDenied(report, ctx);
  registerReportBypasses(report, ctx);
  registerReportRegressions(report, ctx);
  registerReportHtml(report, ctx);
}
