import type { Command } from 'commander';
import { defineBypassReport } from '@audit-events/core';
import { DEFAULT_BYPASS_BY } from '@audit-events/core/internal';
import type { CommandContext } from '../command-context.js';
import { registerCountReport } from './report-count.js';

/** `audit-events report bypasses [--by user] [--since] [--until]`. */
export function registerReportBypasses(report: Command, ctx: CommandContext): void {
  registerCountReport(report, ctx, {
    name: 'bypasses',
    description: 'count superuser bypasses (granted without evaluating any rule) per group, most first',
    groupKeys: ['user', 'manager', 'attribute', 'action', 'tenant'],
    defaultBy: DEFAULT_BYPASS_BY,
    define: defineBypassReport,
    counted: 'superuser bypasses',
  });
}
