import type { Command } from 'commander';
import { defineDeniedReport } from '@audit-events/core';
import { DEFAULT_DENIED_BY } from '@audit-events/core/internal';
import type { CommandContext } from '../command-context.js';
import { registerCountReport } from './report-count.js';

/** `audit-events report denied [--by manager,attribute,tenant] [--since] [--until] [--tenant-id]`. */
export function registerReportDenied(report: Command, ctx: CommandContext): void {
  registerCountReport(report, ctx, {
    name: 'denied',
    description: 'count denied decisions per group, most first',
    groupKeys: ['manager', 'attribute', 'action', 'user', 'tenant'],
    defaultBy: DEFAULT_DENIED_BY,
    define: defineDeniedReport,
    counted: 'denied decisions',
  });
}
