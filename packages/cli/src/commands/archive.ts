import type { Command } from 'commander';
import { archiveFailureNote, archiveSummaryLine } from '../output/archive-report.js';
import type { ArchiveReport } from '../output/archive-report.js';
import type { CommandContext } from '../command-context.js';
import { addDatabaseOptions } from '../config/database-options.js';
import type { DatabaseOptionValues } from '../config/database-options.js';
import { ExitCode } from '../exit-codes.js';
import { exitCodeOf, watchInterrupts } from '../interrupts.js';
import type { OpenedStore } from '../store/open-store.js';
import { parseBatchSize, parseDays } from '../config/parse-options.js';
import { createProgressReporter } from '../output/progress.js';
import type { ResolvedSettings } from '../config/config.js';
import { requireTables } from '../store/require-tables.js';
import type { ArchiveProgress, ArchiveResult } from '@audit-events/knex';
import { withStore } from '../store/with-store.js';

interface ArchiveOptionValues extends DatabaseOptionValues {
  olderThan: number;
  batchSize?: number;
  dryRun?: boolean;
}

const DAY_MS = 86_400_000;

/** `audit-events archive --older-than <days>`: moves aged events to the archive table in batches. */
export function registerArchive(program: Command, ctx: CommandContext): void {
  const command = program
    .command('archive')
    .description(
      'move events older than a cutoff to the archive table, one transaction per batch; ' +
        'safe to interrupt, re-run, or run twice at once',
    )
    .requiredOption(
      '--older-than <days>',
      'archive events created more than this many days ago (e.g. 90, or 0.5)',
      parseDays,
    )
    .option('--batch-size <n>', "events per batch, each batch one transaction (default: the store's)", parseBatchSize)
    .option('--dry-run', 'count the events that would be archived; move nothing');
  addDatabaseOptions(command).action(async (values: ArchiveOptionValues) => {
    ctx.useJson(values.json === true);
    ctx.finish(await archive(values, ctx));
  });
}

async function archive(values: ArchiveOptionValues, ctx: CommandContext): Promise<number> {
  // One cutoff for the whole run, computed here so the count, the archive and the message agree.
  const cutoff = new Date(Date.now() - values.olderThan * DAY_MS);
  return withStore(values, ctx, async (opened, settings) => {
    await requireTables(opened.knex, [opened.table, opened.archiveTable], settings.target.display);
    const base = baseReport(values, opened, settings, cutoff);
    const report = values.dryRun
      ? await dryRun(opened, base, cutoff)
      : await moveBatches(values, ctx, opened, base, cutoff);
    ctx.out(values.json ? JSON.stringify(report) : archiveSummaryLine(report));
    return report.interrupted ? exitCodeOf(report.interrupted) : ExitCode.OK;
  });
}

type BaseReport = Pick<
  ArchiveReport,
  'command' | 'cutoff' | 'olderThanDays' | 'batchSize' | 'table' | 'archiveTable' | 'database'
>;

function baseReport(
  values: ArchiveOptionValues,
  opened: OpenedStore,
  settings: ResolvedSettings,
  cutoff: Date,
): BaseReport {
  return {
    command: 'archive',
    cutoff: cutoff.toISOString(),
    olderThanDays: values.olderThan,
    batchSize: values.batchSize ?? null,
    table: opened.table,
    archiveTable: opened.archiveTable,
    database: settings.target.display,
  };
}

async function dryRun(opened: OpenedStore, base: BaseReport, cutoff: Date): Promise<ArchiveReport> {
  const archivable = await opened.store.countArchivable(cutoff);
  return { ...base, ok: true, dryRun: true, archived: 0, batches: 0, remaining: archivable, interrupted: null };
}

async function moveBatches(
  values: ArchiveOptionValues,
  ctx: CommandContext,
  opened: OpenedStore,
  base: BaseReport,
  cutoff: Date,
): Promise<ArchiveReport> {
  const showBar = ctx.io.stderr.isTTY === true && values.json !== true;
  const progress = createProgressReporter(ctx.io.stderr, showBar);
  // On a terminal the notice starts a fresh line instead of running into the bar.
  const interrupts = watchInterrupts(ctx.io, (line) => ctx.err(showBar ? `\n${line}` : line));
  let last: ArchiveProgress = { archived: 0, batches: 0, total: 0 };
  let outcome: ArchiveResult | undefined;
  try {
    outcome = await opened.store.archive({
      olderThan: cutoff,
      ...(values.batchSize === undefined ? {} : { batchSize: values.batchSize }),
      signal: interrupts.signal,
      onProgress: (p) => {
        last = p;
        progress.update(p);
      },
    });
  } catch (err) {
    if (interrupts.received() === undefined || !isAbort(err)) {
      progress.stop();
      if (last.batches > 0) {
        ctx.err(archiveFailureNote(last.archived, last.batches));
      }
      throw err;
    }
  } finally {
    progress.stop();
    interrupts.dispose();
  }

  const interrupted = interrupts.received() ?? null;
  let remaining: number | null = outcome?.remaining ?? null;
  // An aborted store may reject instead of returning counts: count what is left ourselves.
  if (outcome === undefined) remaining = await opened.store.countArchivable(cutoff).catch(() => null);
  return {
    ...base,
    ok: interrupted === null,
    dryRun: false,
    archived: outcome?.archived ?? last.archived,
    batches: outcome?.batches ?? last.batches,
    remaining,
    interrupted,
  };
}

function isAbort(err: unknown): boolean {
  const e = err as { code?: unknown; name?: unknown };
  return e?.code === 'AUDIT_ABORTED' || e?.name === 'AbortError';
}
