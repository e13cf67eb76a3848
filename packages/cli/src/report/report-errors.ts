import { AuditEventsError } from '@audit-events/core';
import type { CommandContext } from '../command-context.js';
import { ExitCode } from '../exit-codes.js';
import { MissingPermissionTableError } from './report-source.js';

/**
 * Exit 1 means "regression found" for `report regressions`, so report failures must not fall
 * back to it: a missing permission table is a database failure (4), and a report option the
 * library refused is a usage error (2). Everything else keeps the CLI's usual mapping.
 */
export async function reportExit(ctx: CommandContext, json: boolean, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    let exitCode: number | undefined;
    let code: string | null = null;
    if (err instanceof MissingPermissionTableError) exitCode = ExitCode.DATABASE;
    else if (err instanceof AuditEventsError && (err.code === 'AUDIT_BAD_QUERY' || err.code === 'AUDIT_BAD_EVENT')) {
      exitCode = ExitCode.USAGE;
      code = err.code;
    }
    if (exitCode === undefined) throw err;
    const message = err instanceof Error ? err.message : String(err);
    ctx.err(`error: ${message}${code ? ` (${code})` : ''}`);
    if (json) ctx.out(JSON.stringify({ ok: false, error: { code, message, exitCode } }));
    return exitCode;
  }
}
