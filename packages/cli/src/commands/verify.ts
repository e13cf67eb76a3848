import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Knex } from 'knex';
import { ConfigurationError } from '@audit-events/core';
import {
  checkpointPublicKey,
  keySetFromEnv,
  keySetFromFile,
  readCheckpoints,
  recordedHeads,
  verifyEventLog,
  type KeySet,
  type VerifiedCheckpoint,
  verifyPermissionLog,
  type ChainHead,
  type ChainVerification,
  type VerifyReport,
} from '@audit-events/knex';
import { checkTableName } from '@audit-events/knex/internal';
import type { CommandContext } from '../command-context.js';
import { addDatabaseOptions } from '../config/database-options.js';
import type { DatabaseOptionValues } from '../config/database-options.js';
import { ExitCode } from '../exit-codes.js';
import { exitCodeOf, watchInterrupts } from '../interrupts.js';
import { PRIVATE_MODE, warnIfLooser, writeFileWithMode } from '../output/private-file.js';
import { MissingTablesError, requireTables } from '../store/require-tables.js';
import { safeText } from '../output/safe-text.js';
import { withStore } from '../store/with-store.js';
import { readKeyFile } from './checkpoint.js';

interface VerifyOptionValues extends DatabaseOptionValues {
  permissionTable?: string;
  expectHeads?: string;
  recordHeads?: string;
  strict?: boolean;
  allowUnchained?: boolean;
  keys?: string;
  keysEnv?: string;
  allowUnkeyed?: boolean;
  checkpoints?: string;
  publicKey?: string;
  allowEmpty?: boolean;
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
        'tables (and the permission audit table with --permission-table); exit 1 when any is invalid, ' +
        'a JSON key is stored twice, or rows without a chain sit beside chains',
    )
    .option('--permission-table <name>', 'also verify this permission audit table (e.g. permission_audit_log)')
    .option('--expect-heads <file>', 'JSON file of recorded chain heads: also detects deleted newest rows')
    .option('--record-heads <file>', 'when verification passes, write the chain heads to this JSON file (mode 0600)')
    .option(
      '--strict',
      'a closed period: with --expect-heads or --checkpoints, rows past the recorded heads and chains absent from them fail (exit 1)',
    )
    .option(
      '--keys <file>',
      'JSON key set of keyed chains ({ "current", "keys": [{ "id", "secret" }] }): each row is checked under the key its key_id names',
    )
    .option('--keys-env <var>', 'read the JSON key set from this environment variable (e.g. AUDIT_EVENTS_KEYS)')
    .option('--allow-unkeyed', 'with keys: accept chains hashed without a key (written before keys were used)')
    .option(
      '--checkpoints <dir>',
      'directory of signed checkpoints (audit-events checkpoint): every one is verified and every recorded head checked',
    )
    .option('--public-key <file>', 'Ed25519 public key (PEM) the checkpoints are signed with')
    .option('--allow-empty', 'exit 0 when there are no hash chains at all (integrity was never on)')
    .option(
      '--allow-unchained',
      'accept rows without a chain in tables that hold chains (rows written before integrity was on); they are still counted',
    );
  addDatabaseOptions(command).action(async (values: VerifyOptionValues) => {
    ctx.useJson(values.json === true);
    if (values.strict === true && values.expectHeads === undefined && values.checkpoints === undefined) {
      command.error(
        'error: --strict needs --expect-heads <file> or --checkpoints <dir> (the checkpoint the period is closed against)',
      );
    }
    if ((values.checkpoints === undefined) !== (values.publicKey === undefined)) {
      command.error('error: --checkpoints <dir> and --public-key <file> go together');
    }
    if (values.keys !== undefined && values.keysEnv !== undefined)
      command.error('error: give --keys or --keys-env, not both');
    ctx.finish(await verify(values, ctx));
  });
}

async function verify(values: VerifyOptionValues, ctx: CommandContext): Promise<number> {
  if (values.permissionTable !== undefined) checkTableName(values.permissionTable);
  const warn = (line: string): void => ctx.err(`warning: ${line}`);
  const expected =
    values.expectHeads === undefined ? undefined : await readHeads(resolve(ctx.io.cwd, values.expectHeads), warn);
  const checkpoints = await loadCheckpoints(values, ctx);
  const keys = loadKeys(values, ctx);
  // With a heads file or checkpoints, a table they do not name has an empty checkpoint: all its rows are uncovered.
  const headsOf = (table: string): { expectedHeads?: ChainHead[] } =>
    expected === undefined && checkpoints === undefined
      ? {}
      : {
          expectedHeads: [
            ...(expected?.[table] ?? []),
            ...(checkpoints === undefined ? [] : recordedHeads(checkpoints, table)),
          ],
        };
  const checks = {
    strict: values.strict === true,
    allowUnchainedRows: values.allowUnchained === true,
    allowUnkeyed: values.allowUnkeyed === true,
    ...(keys === undefined ? {} : { keys }),
  };
  return withStore(values, ctx, async (opened, settings) => {
    const database = settings.target.display;
    const namedEvents = values.table !== undefined || settings.table !== undefined;
    // With only --permission-table, a database without event tables is fine; a named one must exist.
    const events =
      values.permissionTable === undefined || namedEvents || (await exists(opened.knex, opened.table, database));
    if (events) await requireTables(opened.knex, [opened.table], database);
    if (values.permissionTable !== undefined) await requireTables(opened.knex, [values.permissionTable], database);

    const interrupts = watchInterrupts(ctx.io, (line) => ctx.err(line));
    const sections: Section[] = [];
    try {
      if (events) {
        const report = await verifyEventLog(opened.knex, {
          tableName: opened.table,
          archiveTableName: opened.archiveTable,
          ...headsOf(opened.table),
          ...checks,
          signal: interrupts.signal,
        });
        sections.push({ kind: 'events', table: opened.table, report });
      }
      if (values.permissionTable !== undefined) {
        const report = await verifyPermissionLog(opened.knex, {
          tableName: values.permissionTable,
          ...headsOf(values.permissionTable),
          ...checks,
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
    // No chain at all: integrity was never on, and a CI gate must not pass on nothing.
    const empty = total === 0 && values.allowEmpty !== true;
    const ok = sections.every((s) => s.report.valid) && !empty;
    let recorded: string | null = null;
    if (values.recordHeads !== undefined && ok) {
      recorded = resolve(ctx.io.cwd, values.recordHeads);
      await writeHeads(recorded, sections, warn);
    }
    if (values.json) {
      ctx.out(
        JSON.stringify({
          command: 'verify',
          ok,
          database,
          strict: values.strict === true,
          validChains: valid,
          totalChains: total,
          logs: sections.map((s) => ({ kind: s.kind, table: s.table, ...s.report })),
          recordedHeads: recorded,
          noChains: total === 0,
          checkpoints:
            checkpoints === undefined
              ? null
              : { verified: checkpoints.length, latest: checkpoints[checkpoints.length - 1]?.file ?? null },
        }),
      );
    } else {
      // Chain ids, keys and table names come from the database: escaped before they reach a terminal.
      for (const section of sections) for (const line of sectionLines(section)) ctx.out(safeText(line));
      if (checkpoints !== undefined) {
        const latest = checkpoints[checkpoints.length - 1];
        ctx.out(
          safeText(
            `${checkpoints.length} signed checkpoint(s) verified${latest === undefined ? ' (the directory has none)' : `, latest ${latest.file}`}`,
          ),
        );
      }
      ctx.out(summaryLine(sections, valid, total));
      if (empty) ctx.err('no hash chains found: nothing was written with integrity on (--allow-empty accepts this)');
      if (recorded !== null) ctx.err(`chain heads written to ${safeText(recorded)}`);
      else if (values.recordHeads !== undefined) ctx.err('chain heads NOT written: the verification failed');
    }
    return ok ? ExitCode.OK : ExitCode.FAILURE;
  });
}

function sectionLines({ kind, report }: Section): string[] {
  const lines = [kind === 'events' ? report.tables.join(' + ') : `${report.tables.join(' + ')} (permission audit log)`];
  if (report.chains.length === 0) lines.push('  no hash chains (nothing was written with integrity on)');
  for (const chain of report.chains) lines.push(`  ${chain.chainId}: ${status(chain)}`);
  if (report.unchainedRows > 0)
    lines.push(`  ${report.unchainedRows} row(s) without a hash chain: ${unchainedVerdict(report)}`);
  return lines;
}

function unchainedVerdict(report: VerifyReport): string {
  if (report.unchainedRowsFail) {
    return 'FAILED (these tables hold chains, so the rows went around them; --allow-unchained if they predate integrity)';
  }
  if (report.totalChains > 0) return 'accepted (--allow-unchained), not verifiable';
  return 'written with integrity off, not verifiable';
}

function status(chain: ChainVerification): string {
  const rows = `${chain.rows} rows`;
  if (!chain.valid) return `INVALID: ${failure(chain)} (${rows})`;
  const uncovered = chain.uncoveredRows ?? 0;
  if (chain.notInCheckpoint) return `valid (${rows}; not in the heads file: not covered by the checkpoint)`;
  if (uncovered > 0) return `valid (${rows}; ${uncovered} past the recorded head: not covered by the checkpoint)`;
  return `valid (${rows})`;
}

function failure(chain: ChainVerification): string {
  const at = chain.firstBadSeq === undefined ? ' (a row of the chain has no seq)' : ` at seq ${chain.firstBadSeq}`;
  if (chain.reason === 'uncovered') {
    const what = chain.notInCheckpoint ? 'the chain is not in the heads file' : 'rows past the recorded head';
    return `not covered by the checkpoint (--strict): ${what}, from seq ${chain.firstBadSeq ?? 1}`;
  }
  if (chain.reason === 'unknown-key') {
    return `unknown-key${at}: the row names key "${chain.keyId ?? ''}", which the given keys do not hold (pass it with --keys)`;
  }
  if (chain.reason === 'unkeyed-row') {
    return `unkeyed-row${at}: a row hashed without a key where keys are in use (a downgrade, or a forged row; --allow-unkeyed for chains from before keys)`;
  }
  if (chain.reason === 'duplicate-key' && chain.duplicateKey !== undefined) {
    return `duplicate-key${at}: "${chain.duplicateKey.key}" twice in one object of ${chain.duplicateKey.column}`;
  }
  return `${chain.reason ?? 'unknown'}${at}`;
}

/** `k/N chains valid`, then what else failed or was not covered. */
function summaryLine(sections: readonly Section[], valid: number, total: number): string {
  const notes: string[] = [];
  const unchained = sections.filter((s) => s.report.unchainedRowsFail).reduce((n, s) => n + s.report.unchainedRows, 0);
  if (unchained > 0) notes.push(`${unchained} unchained row(s) FAILED`);
  const uncovered = sections.reduce((n, s) => n + s.report.uncoveredRows, 0);
  if (uncovered > 0 && valid === total) notes.push(`${uncovered} row(s) not covered by the checkpoint`);
  return [`${valid}/${total} chains valid`, ...notes].join('; ');
}

async function loadCheckpoints(
  values: VerifyOptionValues,
  ctx: CommandContext,
): Promise<VerifiedCheckpoint[] | undefined> {
  if (values.checkpoints === undefined || values.publicKey === undefined) return undefined;
  const publicKey = checkpointPublicKey(
    await readKeyFile(resolve(ctx.io.cwd, values.publicKey), 'public-key'),
    'public-key',
  );
  // A CheckpointError (exit 1) names the file that does not parse, verify or follow its predecessor.
  return readCheckpoints(resolve(ctx.io.cwd, values.checkpoints), publicKey);
}

function loadKeys(values: VerifyOptionValues, ctx: CommandContext): KeySet | undefined {
  if (values.keys !== undefined) return keySetFromFile(resolve(ctx.io.cwd, values.keys));
  if (values.keysEnv !== undefined) return keySetFromEnv(values.keysEnv, ctx.io.env);
  return undefined;
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

async function readHeads(path: string, warn: (line: string) => void): Promise<HeadsFile> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new ConfigurationError(
      'expect-heads',
      `cannot read ${path} as JSON: ${(err as Error).message.split('\n')[0]}`,
      { cause: err },
    );
  }
  // A checkpoint others can rewrite proves nothing: say so (the check still runs).
  await warnIfLooser(path, PRIVATE_MODE, 'heads file', warn);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigurationError(
      'expect-heads',
      `${path} must hold an object mapping table names to arrays of { chainId, seq, hash }`,
    );
  }
  for (const [table, heads] of Object.entries(parsed)) {
    if (!Array.isArray(heads))
      throw new ConfigurationError('expect-heads', `${path}: "${safeText(table)}" must be an array`);
  }
  // Each head is validated by the verifier (a ConfigurationError naming expectedHeads[i]).
  return parsed as HeadsFile;
}

async function writeHeads(path: string, sections: readonly Section[], warn: (line: string) => void): Promise<void> {
  const file: HeadsFile = {};
  for (const { table, report } of sections) {
    file[table] = report.chains
      .filter((c) => c.lastSeq !== null && c.lastHash !== null)
      .map((c) => ({ chainId: c.chainId, seq: c.lastSeq as number, hash: c.lastHash as string }));
  }
  try {
    await writeFileWithMode(path, `${JSON.stringify(file, null, 2)}\n`, PRIVATE_MODE, 'heads file', warn);
  } catch (err) {
    throw new ConfigurationError('record-heads', `cannot write ${path}: ${(err as Error).message}`, { cause: err });
  }
}
