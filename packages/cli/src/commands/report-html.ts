import { dirname, resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import {
  ConfigurationError,
  defineBypassReport,
  defineDeniedReport,
  defineTimelineReport,
  type CountReport,
  type ReportDefinition,
  type ReportResults,
  type TimeBucket,
  type TimelineReport,
} from '@audit-events/core';
import { latestEventsByContentType, queryReports, summarizeRequestEvents } from '@audit-events/knex';
import type { Knex } from 'knex';
import type { CommandContext } from '../command-context.js';
import { count } from '../output/plural.js';
import { systemReason } from '../output/error-text.js';
import { ExitCode } from '../exit-codes.js';
import { GROUP_READABLE_MODE, writeFileWithMode } from '../output/private-file.js';
import { renderHtmlReport, type HtmlReportData } from '../report/html/html-page.js';
import { parseTime, positiveInteger } from '../config/parse-options.js';
import { describeOrigin } from '../report/print-report.js';
import {
  addReportSourceOptions,
  addTenantOption,
  PERMISSION_TABLE_ENV,
  type ReportSourceValues,
} from '../report/report-flags.js';
import type { RequestSummaryData } from '../report/html/request-summary-section.js';
import {
  fromFiles,
  MissingPermissionTableError,
  openDatabase,
  tableExists,
  type ReportOrigin,
} from '../report/report-source.js';

interface HtmlValues extends ReportSourceValues {
  out: string;
  eventsTable?: string;
  eventsPerType: number;
  bucket: TimeBucket | 'auto';
  since?: Date;
  until?: Date;
  tenantId?: string;
  json?: boolean;
}

type RequestEvents = { events: HtmlReportData['events']; requestSummary: RequestSummaryData };

/**
 * `audit-events report html --out report.html`: one self-contained page with the decisions over
 * time, denied by manager and attribute, bypasses by user, and the latest request events per
 * content type (from the events table, when a database is given; alone when the database has no
 * permission table). `--file` and `--db` together:
 * decisions from the file, request events from the database.
 */
export function registerReportHtml(report: Command, ctx: CommandContext): void {
  const command = report
    .command('html')
    .description('write a self-contained HTML report (charts, tables, the data; opens offline)')
    .requiredOption('--out <file>', 'the HTML file to write (replaced atomically)', nonEmptyPath)
    .addOption(
      new Option('--bucket <size>', 'timeline bars per hour or day (auto: hours up to two days)')
        .choices(['auto', 'hour', 'day'])
        .default('auto'),
    )
    .option(
      '--events-table <name>',
      'request events table for the latest events (default: $AUDIT_EVENTS_TABLE, the config file, or audit_events)',
    )
    .option('--events-per-type <n>', 'latest request events shown per content type', positiveInteger(100), 5)
    .option('--since <time>', 'decisions and request events at or after this time', (v) => parseTime(v))
    .option('--until <time>', 'decisions and request events before this time', (v) => parseTime(v))
    .option('--json', 'print one JSON summary instead of a line');
  addReportSourceOptions(addTenantOption(command)).action(async (values: HtmlValues) => {
    ctx.useJson(values.json === true);
    ctx.finish(await html(values, ctx));
  });
}

async function html(values: HtmlValues, ctx: CommandContext): Promise<number> {
  const window: { since?: Date; until?: Date; tenantId?: string } = {};
  if (values.since !== undefined) window.since = values.since;
  if (values.until !== undefined) window.until = values.until;
  if (values.tenantId !== undefined) window.tenantId = values.tenantId;
  const definitions = [
    defineTimelineReport({ ...window, bucket: values.bucket }),
    defineDeniedReport({ ...window, by: ['manager'] }),
    defineDeniedReport({ ...window, by: ['manager', 'attribute'] }),
    defineBypassReport({ ...window, by: ['user'] }),
  ] as const;
  const loaded = await load(values, ctx, definitions);
  let decisions: HtmlReportData['decisions'];
  if ('note' in loaded.results) decisions = loaded.results;
  else {
    const [timeline, deniedByManager, deniedByAttribute, bypassesByUser] = loaded.results;
    decisions = { timeline, deniedByManager, deniedByAttribute, bypassesByUser };
  }
  const data: HtmlReportData = {
    generatedAt: new Date().toISOString(),
    source: ctx.redactor.redact(describeOrigin(loaded.origin)),
    decisions,
    events: loaded.events,
    requestSummary: loaded.requestSummary,
    ...(values.tenantId === undefined ? {} : { tenantId: values.tenantId }),
  };
  const out = resolve(ctx.io.cwd, values.out);
  await writeAtomically(out, ctx.redactor.redact(renderHtmlReport(data)), ctx);
  const types = 'types' in data.events ? data.events.types.length : null;
  const totals = 'note' in decisions ? null : decisions.timeline.totals;
  if (values.json) {
    ctx.out(
      JSON.stringify({
        ok: true,
        command: 'report html',
        out,
        decisions: totals?.decisions ?? null,
        granted: totals?.granted ?? null,
        denied: totals?.denied ?? null,
        bypassed: totals?.bypassed ?? null,
        contentTypes: types,
        requestEvents: 'note' in data.requestSummary ? null : data.requestSummary.total,
        source: data.source,
      }),
    );
  } else {
    const parts = [
      totals === null
        ? 'no permission decisions'
        : `${count(totals.decisions, 'decision')} (${totals.denied} denied, ${count(totals.bypassed, 'bypass', 'bypasses')})`,
    ];
    if (!('note' in data.requestSummary) && data.requestSummary.total > 0)
      parts.push(count(data.requestSummary.total, 'request event'));
    if (types !== null)
      parts.push(types === 0 ? 'no request events' : `latest request events of ${count(types, 'content type')}`);
    ctx.out(`wrote ${out}: ${parts.join(', ')}`);
  }
  return ExitCode.OK;
}

type Definitions = readonly [
  ReportDefinition<TimelineReport>,
  ReportDefinition<CountReport>,
  ReportDefinition<CountReport>,
  ReportDefinition<CountReport>,
];

/**
 * Decisions from the files or the database; request events from the database: the same
 * connection when the decisions come from it, else a database named explicitly (--db/--config).
 * A database without the permission table still makes a report of its request events, unless the
 * table was named (--table, $AUDIT_EVENTS_PERMISSION_TABLE): then a typo must not pass silently.
 */
async function load(
  values: HtmlValues,
  ctx: CommandContext,
  definitions: Definitions,
): Promise<{ results: ReportResults<Definitions> | { note: string }; origin: ReportOrigin } & RequestEvents> {
  if (values.file !== undefined && values.file.length > 0) {
    const { results, origin } = await fromFiles(values.file, ctx, definitions);
    if (values.db === undefined && values.config === undefined) {
      const note = 'Request events are read from a database: pass --db (with --file) to include them.';
      return { results, origin, events: { note }, requestSummary: { note } };
    }
    // The decisions come from the file: the database needs no permission table.
    const events = await openDatabase(
      values,
      ctx,
      values.eventsTable,
      (knex, _db, _table, eventsTable) => requestEvents(knex, eventsTable, values, ctx),
      {
        requirePermissionTable: false,
      },
    );
    return { results, origin, ...events };
  }
  const named = values.table !== undefined || (ctx.io.env[PERMISSION_TABLE_ENV] ?? '').trim() !== '';
  return openDatabase(
    values,
    ctx,
    values.eventsTable,
    async (knex, database, table, eventsTable) => {
      const origin: ReportOrigin = { kind: 'database', database, table };
      if (await tableExists(knex, table)) {
        return {
          results: (await queryReports(knex, definitions, { tableName: table })).results,
          origin,
          ...(await requestEvents(knex, eventsTable, values, ctx)),
        };
      }
      if (named || !(await tableExists(knex, eventsTable)))
        throw new MissingPermissionTableError(table, database, named ? undefined : eventsTable);
      ctx.err(`warning: ${table} does not exist; the report has request events only`);
      const note = `No permission decisions: ${table} does not exist (DatabaseAuditLogger creates it on its first write).`;
      return { results: { note }, origin, ...(await requestEvents(knex, eventsTable, values, ctx)) };
    },
    { requirePermissionTable: false },
  );
}

/**
 * The request events' summary over the report's window (and tenant) and the latest events per
 * content type. A missing events table is a note in the page, not a failure: apps may log
 * permissions only.
 */
async function requestEvents(
  knex: Knex,
  eventsTable: string,
  values: HtmlValues,
  ctx: CommandContext,
): Promise<RequestEvents> {
  if (!(await tableExists(knex, eventsTable))) {
    ctx.err(`warning: ${eventsTable} does not exist; the report has no request events`);
    const note = `The request events table ${eventsTable} does not exist.`;
    return { events: { note }, requestSummary: { note } };
  }
  const scope: { since?: Date; until?: Date; tenantId?: string } = {};
  if (values.since !== undefined) scope.since = values.since;
  if (values.until !== undefined) scope.until = values.until;
  if (values.tenantId !== undefined) scope.tenantId = values.tenantId;
  const summary = await summarizeRequestEvents(knex, { tableName: eventsTable, ...scope });
  const types = await latestEventsByContentType(knex, {
    tableName: eventsTable,
    perType: values.eventsPerType,
    ...scope,
  });
  return { events: { table: eventsTable, types }, requestSummary: { table: eventsTable, ...summary } };
}

async function writeAtomically(path: string, text: string, ctx: CommandContext): Promise<void> {
  try {
    // Audit data: readable by the owner and group only, like FileAuditLogger's files.
    await writeFileWithMode(path, text, GROUP_READABLE_MODE, 'report', (line) => ctx.err(`warning: ${line}`));
  } catch (err) {
    throw new ConfigurationError(
      'out',
      `cannot write ${path} (${systemReason(err, 'error')}); does ${dirname(path)} exist and is it writable?`,
      { cause: err },
    );
  }
}

function nonEmptyPath(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('expected a file path.');
  return value;
}
