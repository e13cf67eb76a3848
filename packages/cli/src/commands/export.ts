import { resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { InvalidQueryError, type ExportQuery } from '@audit-events/core';
import { normalizeExportQuery } from '@audit-events/core/internal';
import type { CommandContext } from '../command-context.js';
import { addDatabaseOptions, type DatabaseOptionValues } from '../config/database-options.js';
import { ExitCode } from '../exit-codes.js';
import { exportHeader, exportLine, type ExportFormat } from '../export/event-lines.js';
import { fileOutput, streamOutput, type ExportOutput } from '../export/export-output.js';
import { createExportProgress } from '../export/export-progress.js';
import { exitCodeOf, watchInterrupts } from '../interrupts.js';
import { count } from '../output/plural.js';
import { parseTime } from '../config/parse-options.js';
import { requireTables } from '../store/require-tables.js';
import { safeLayoutText } from '../output/safe-text.js';
import { withStore } from '../store/with-store.js';

interface ExportValues extends DatabaseOptionValues {
  format: ExportFormat;
  out?: string;
  force?: boolean;
  since?: Date;
  until?: Date;
  tenantId?: string;
  contentType?: string;
  objectId?: string;
  userId?: string;
  action?: string;
  outcome?: string;
  actorType?: string;
  includeArchive?: boolean;
}

/** Option → store filter, for the equality filters (the store validates the values). */
const FILTERS = [
  ['tenantId', 'tenant'],
  ['contentType', 'content type'],
  ['objectId', 'object id'],
  ['userId', 'user id'],
  ['action', 'action'],
  ['outcome', 'outcome'],
  ['actorType', 'actor type'],
] as const;

/** `audit-events export`: every matching event, oldest first, as NDJSON or CSV, streamed. */
export function registerExport(program: Command, ctx: CommandContext): void {
  const command = program
    .command('export')
    .description('write matching events, oldest first, as NDJSON or CSV (streamed: memory stays flat however many)')
    .addOption(
      new Option('--format <format>', 'ndjson (one JSON event per line) or csv')
        .choices(['ndjson', 'csv'])
        .default('ndjson'),
    )
    .option('--out <file>', 'write to this file (mode 0600, put in place when complete) instead of stdout', nonEmpty)
    .option('--force', 'replace --out when it exists')
    .option('--since <time>', 'events at or after this time (2025-03-01, 2025-03-01T12:00Z, 7d)', (v) => parseTime(v))
    .option('--until <time>', 'events before this time', (v) => parseTime(v))
    .option('--tenant-id <id>', 'only this tenant', nonEmpty)
    .option('--content-type <type>', 'only this content type', nonEmpty)
    .option('--object-id <id>', 'only this object', nonEmpty)
    .option('--user-id <id>', 'only this user', nonEmpty)
    .option('--action <action>', 'only this action (order.created)', nonEmpty)
    .addOption(new Option('--outcome <outcome>', 'only this outcome').choices(['success', 'failure', 'denied']))
    .addOption(
      new Option('--actor-type <type>', 'only this kind of actor').choices([
        'user',
        'service',
        'api_key',
        'system',
        'agent',
        'anonymous',
      ]),
    )
    .option('--include-archive', 'also read the archive table, merged in order');
  addDatabaseOptions(command).action(async (values: ExportValues, self: Command) => {
    // With the events on stdout, a JSON error document there would corrupt them: only with --out.
    ctx.useJson(values.json === true && values.out !== undefined);
    const query = queryOf(values);
    try {
      // The store's own checks (lengths, since before until), before any connection is opened.
      normalizeExportQuery(query);
    } catch (err) {
      if (err instanceof InvalidQueryError)
        self.error(`error: ${err.message}`, { exitCode: ExitCode.USAGE, code: 'commander.invalidArgument' });
      throw err;
    }
    ctx.finish(await exportEvents(values, query, ctx));
  });
}

async function exportEvents(values: ExportValues, query: ExportQuery, ctx: CommandContext): Promise<number> {
  const out = values.out === undefined ? undefined : resolve(ctx.io.cwd, values.out);
  return withStore(values, ctx, async (opened, settings) => {
    const tables = values.includeArchive ? [opened.table, opened.archiveTable] : [opened.table];
    await requireTables(opened.knex, tables, settings.target.display);
    const events = opened.store.export(query);
    const output: ExportOutput =
      out === undefined ? streamOutput(ctx.io.stdout) : await fileOutput(out, values.force === true);
    const showBar = ctx.io.stderr.isTTY === true;
    const interrupts = watchInterrupts(ctx.io, (line) => ctx.err(showBar ? `\n${line}` : line));
    const progress = createExportProgress(ctx.io.stderr, showBar);
    // Every record passes the CLI's redaction (database passwords, URL credentials) and its
    // control-character escaping, as every other line the CLI prints does.
    const clean = (text: string): string => safeLayoutText(ctx.redactor.redact(text));
    let exported = 0;
    try {
      await output.write(clean(exportHeader(values.format)));
      for await (const event of events) {
        if (interrupts.signal.aborted) break;
        await output.write(clean(exportLine(event, values.format)));
        progress.update(++exported);
      }
      const interrupted = interrupts.received();
      if (interrupted !== undefined) {
        progress.stop();
        await output.discard();
        ctx.err(`interrupted after ${count(exported, 'event')}${out === undefined ? '' : `; ${out} was not written`}`);
        return exitCodeOf(interrupted);
      }
      await output.finish();
    } catch (err) {
      await output.discard();
      throw err;
    } finally {
      progress.stop();
      interrupts.dispose();
    }
    const summary = {
      ok: true,
      command: 'export',
      format: values.format,
      events: exported,
      out: out ?? null,
      includeArchive: values.includeArchive === true,
    };
    const line = values.json
      ? JSON.stringify(summary)
      : `exported ${count(exported, 'event')}${out === undefined ? '' : ` to ${out}`}`;
    // Without --out, stdout carries the events: the summary goes to stderr.
    if (out === undefined) ctx.err(line);
    else ctx.out(line);
    return ExitCode.OK;
  });
}

function queryOf(values: ExportValues): ExportQuery {
  const query: Record<string, unknown> = {};
  if (values.since !== undefined) query['since'] = values.since;
  if (values.until !== undefined) query['until'] = values.until;
  for (const [key] of FILTERS) if (values[key] !== undefined) query[key] = values[key];
  if (values.includeArchive) query['includeArchive'] = true;
  return query as ExportQuery;
}

function nonEmpty(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('expected a value.');
  return value;
}
