import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Knex } from 'knex';
import { ConfigurationError } from '@audit-events/core';
import {
  checkTableName,
  verifyEventLog,
  verifyPermissionLog,
  type ChainHead,
  type ChainVerification,
  type VerifyReport,
} from '@audit-events/knex';
import type { CommandContext } from '../command-context.js';
import { addDatabaseOptions } from '../database-options.js';
import type { DatabaseOptionValues } from '../database-options.js';
import { ExitCode } from '../exit-codes.js';
import { exitCodeOf, watchInterrupts } from '../interrupts.js';
import { MissingTablesError, requireTables } from '../require-tables.js';
import { withStore } from '../with-store.js';

interface VerifyOptionValues extends DatabaseOptionValues {
  permissionTable?: string;
  expectHeads?: string;
  recordHeads?: string;
}

/** One verified log: the event tables, or a permission audit table. */
interface Section {
  kind: 'events' | 'permissions';
  /** The table heads files are keyed by (the live table for events). */
  table: string;
  report: VerifyReport;
}

/** Heads files map a table name to the heads of its chains: `{ "audit_events": [{ chainId, seq, hash }] }`. */
type HeadsFile = Record<string, ChainHead[]>;

/** `audit-events verify`: checks the hash chains of the event tables and/or the permission log. */
export function registerVerify(program: Command, ctx: CommandContext): void {
  const command = program
    .command('verify')
    .description(
      'check the hash chains written with integrity on: every chain across the live and archive ' +
        'tables (and the permission audit table with --permission-table); exit 1 when any is invalid',
    )
    .option('--permission-table <name>', 'also verify this permission audit table (e.g. permission_audit_log)')
    .option('--expect-heads <file>', 'JSON file of recorded chain heads: also detects deleted newest rows')
    .option('--record-heads <file>', 'when every chain is valid, write the chain heads to this JSON file');
  addDatabaseOptions(command).action(async (values: VerifyOptionValues) => {
    ctx.useJson(values.json === true);
    ctx.finish(await verify(values, ctx));
  });
}

async function verify(values: VerifyOptionValues, ctx: CommandContext): Promise<number> {
  if (values.permissionTable !== undefined) checkTableName(values.permissionTable);
  const expected = values.expectHeads === undefined ? {} : await readHeads(resolve(ctx.io.cwd, values.expectHeads));
  return withStore(values, ctx, async (opened, settings) => {
    const database = settings.target.display;
    const namedEvents = values.table !== undefined || settings.table !== undefined;
    // With only --permission-table, a database without event tables is fine; a named one must exist.
    const events = values.permissionTable === undefined || namedEvents || (await exists(opened.knex, opened.table, database));
    if (events) await requireTables(opened.knex, [opened.table], database);
    if (values.permissionTable !== undefined) await requireTables(opened.knex, [values.permissionTable], database);

    const interrupts = watchInterrupts(ctx.io, (line) => ctx.err(line));
    const sections: Section[] = [];
    try {
      if (events) {
        const report = await verifyEventLog(opened.knex, {
          tableName: opened.table,
          archiveTableName: opened.archiveTable,
          expectedHeads: expected[opened.table] ?? [],
          signal: interrupts.signal,
        });
        sections.push({ kind: 'events', table: opened.table, report });
      }
      if (values.permissionTable !== undefined) {
        const report = await verifyPermissionLog(opened.knex, {
          tableName: values.permissionTable,
          expectedHeads: expected[values.permissionTable] ?? [],
          signal: interrupts.signal,
        });
        sections.push({ kind: 'permissions', table: values.permissionTable, report });
      }
    } catch (err) {
      const received = interrupts.received();
      if (received !== undefined && (err as { code?: unknown })?.code === 'AUDIT_ABORTED') {
        ctx.err(`verification interrupted by ${received}; nothing was changed`);
        return exitCodeOf(received);
      }
      throw err;
    } finally {
      interrupts.dispose();
    }

    const valid = sections.reduce((n, s) => n + s.report.validChains, 0);
    const total = sections.reduce((n, s) => n + s.report.totalChains, 0);
    const ok = valid === total;
    let recorded: string | null = null;
    if (values.recordHeads !== undefined && ok) {
      recorded = resolve(ctx.io.cwd, values.recordHeads);
      await writeHeads(recorded, sections);
    }
    if (values.json) {
      ctx.out(
        JSON.stringify({
          command: 'verify',
          ok,
          database,
          validChains: valid,
          totalChains: total,
          logs: sections.map((s) => ({ kind: s.kind, table: s.table, ...s.report })),
          recordedHeads: recorded,
        }),
      );
    } else {
      for (const section of sections) for (const line of sectionLines(section)) ctx.out(line);
      ctx.out(`${valid}/${total} chains valid`);
      if (recorded !== null) ctx.err(`chain heads written to ${recorded}`);
      else if (values.recordHeads !== undefined) ctx.err('chain heads NOT written: not every chain is valid');
    }
    return ok ? ExitCode.OK : ExitCode.FAILURE;
  });
}

function sectionLines({ kind, report }: Section): string[] {
  const lines = [kind === 'events' ? report.tables.join(' + ') : `${report.tables.join(' + ')} (permission audit log)`];
  if (report.chains.length === 0) lines.push('  no hash chains (nothing was written with integrity on)');
  for (const chain of report.chains) lines.push(`  ${chain.chainId}: ${status(chain)} (${chain.rows} rows)`);
  if (report.unchainedRows > 0) {
    lines.push(`  ${report.unchainedRows} row(s) without a hash chain (written with integrity off): not verifiable`);
  }
  return lines;
}

function status(chain: ChainVerification): string {
  if (chain.valid) return 'valid';
  const at = chain.firstBadSeq === undefined ? ' (a row of the chain has no seq)' : ` at seq ${chain.firstBadSeq}`;
  return `INVALID: ${chain.reason ?? 'unknown'}${at}`;
}

async function exists(knex: Knex, table: string, database: string): Promise<boolean> {
  try {
    await requireTables(knex, [table], database);
    return true;
  } catch (err) {
    if (err instanceof MissingTablesError) return false;
    throw err;
  }
}

async function readHeads(path: string): Promise<HeadsFile> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new ConfigurationError('expect-heads', `cannot read ${path} as JSON: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigurationError('expect-heads', `${path} must hold an object mapping table names to arrays of { chainId, seq, hash }`);
  }
  for (const [table, heads] of Object.entries(parsed)) {
    if (!Array.isArray(heads)) throw new ConfigurationError('expect-heads', `${path}: "${table}" must be an array`);
  }
  // Each head is validated by the verifier (a ConfigurationError naming expectedHeads[i]).
  return parsed as HeadsFile;
}

async function writeHeads(path: string, sections: readonly Section[]): Promise<void> {
  const file: HeadsFile = {};
  for (const { table, report } of sections) {
    file[table] = report.chains
      .filter((c) => c.lastSeq !== null && c.lastHash !== null)
      .map((c) => ({ chainId: c.chainId, seq: c.lastSeq as number, hash: c.lastHash as string }));
  }
  try {
    await writeFile(path, `${JSON.stringify(file, null, 2)}\n`);
  } catch (err) {
    throw new ConfigurationError('record-heads', `cannot write ${path}: ${(err as Error).message}`, { cause: err });
  }
}
