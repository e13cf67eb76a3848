import type { Command } from 'commander';
import { KnexEventStore } from '@audit-events/knex';
import { DEFAULT_PERMISSION_AUDIT_TABLE } from '@audit-events/knex/internal';
import {
  DEFAULT_ACK_WAIT_MS,
  DEFAULT_DEAD_LETTER_SUBJECT,
  DEFAULT_EVENT_SUBJECT_PREFIX,
  DEFAULT_INGEST_BATCH_SIZE,
  DEFAULT_INGEST_CONSUMER,
  DEFAULT_PERMISSION_INGEST_CONSUMER,
  DEFAULT_PERMISSION_SUBJECT_PREFIX,
  DEFAULT_STREAM_NAME,
  ensureIngestConsumer,
  ingestAuditEvents,
  ingestPermissionDecisions,
  permissionSubject,
  type IngestBatch,
  type IngestTotals,
} from '@audit-events/nats';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { ConfigurationError } from '@audit-events/core';
import type { CommandContext } from '../command-context.js';
import { addDatabaseOptions, type DatabaseOptionValues } from '../config/database-options.js';
import { ExitCode } from '../exit-codes.js';
import { watchInterrupts } from '../interrupts.js';
import { parseBatchSize, parseSeconds } from '../config/parse-options.js';
import { PermissionBatchWriter, streamCovers } from '../store/permission-ingest.js';
import { requireTables } from '../store/require-tables.js';
import { withStore } from '../store/with-store.js';

interface IngestOptionValues extends DatabaseOptionValues {
  nats?: string;
  stream: string;
  consumer: string;
  subjectPrefix: string;
  deadLetterSubject: string;
  ackWait: number;
  batchSize: number;
  integrity?: boolean | string;
  permissions: boolean;
  permissionTable: string;
  permissionSubjectPrefix: string;
  permissionConsumer: string;
}

const ZERO: IngestTotals = {
  batches: 0,
  messages: 0,
  stored: 0,
  redelivered: 0,
  deadLettered: 0,
  failedBatches: 0,
  fetchErrors: 0,
  pending: 0,
};

function addBatch(t: IngestTotals, b: IngestBatch): IngestTotals {
  return {
    ...t,
    batches: t.batches + 1,
    messages: t.messages + b.messages,
    stored: t.stored + b.stored,
    redelivered: t.redelivered + b.redelivered,
    deadLettered: t.deadLettered + b.deadLettered,
    pending: b.pending,
  };
}

/**
 * `audit-events ingest`: a worker moving events from a JetStream stream into the events table
 * exactly once (see ingestAuditEvents). Runs until SIGINT/SIGTERM, which finish the batch in
 * flight and exit 0; progress and lag go to stderr on a TTY, `--json` prints NDJSON stats lines.
 */
export function registerIngest(program: Command, ctx: CommandContext): void {
  const command = program
    .command('ingest')
    .description('write events from a NATS JetStream stream into the events table exactly once; runs until SIGTERM')
    .option(
      '--nats <url>',
      'NATS server URL(s), comma-separated (default: $AUDIT_EVENTS_NATS or nats://127.0.0.1:4222)',
    )
    .option('--stream <name>', 'JetStream stream', DEFAULT_STREAM_NAME)
    .option(
      '--consumer <name>',
      'durable consumer shared by every worker (created if missing)',
      DEFAULT_INGEST_CONSUMER,
    )
    .option(
      '--subject-prefix <prefix>',
      "the event store's subject prefix (the new consumer's filter)",
      DEFAULT_EVENT_SUBJECT_PREFIX,
    )
    .option(
      '--dead-letter-subject <subject>',
      'where poison messages go, with their reason',
      DEFAULT_DEAD_LETTER_SUBJECT,
    )
    .option(
      '--ack-wait <seconds>',
      'redeliver a batch not acknowledged within this long (new consumer only)',
      parseSeconds,
      DEFAULT_ACK_WAIT_MS / 1000,
    )
    .option(
      '--batch-size <n>',
      'messages per batch, each batch one transaction',
      parseBatchSize,
      DEFAULT_INGEST_BATCH_SIZE,
    )
    .option(
      '--integrity [chainId]',
      'hash-chain what this worker writes (its own chain per table; a fixed id resumes it after a restart)',
    )
    .option('--no-permissions', 'ingest request events only, not permission decisions')
    .option(
      '--permission-table <name>',
      'table permission decisions are written to (created if missing)',
      DEFAULT_PERMISSION_AUDIT_TABLE,
    )
    .option(
      '--permission-subject-prefix <prefix>',
      "the permission logger's subject prefix (decisions on <prefix>._permissions)",
      DEFAULT_PERMISSION_SUBJECT_PREFIX,
    )
    .option(
      '--permission-consumer <name>',
      'durable consumer for permission decisions (created if missing)',
      DEFAULT_PERMISSION_INGEST_CONSUMER,
    );
  addDatabaseOptions(command).action(async (values: IngestOptionValues) => {
    ctx.useJson(values.json === true);
    // Asked for by name: a stream without the decisions' subject is then an error, not a note.
    const decisionsNamed = ['permissionTable', 'permissionSubjectPrefix', 'permissionConsumer'].some(
      (o) => command.getOptionValueSource(o) === 'cli',
    );
    ctx.finish(await ingest(values, ctx, decisionsNamed));
  });
}

async function ingest(values: IngestOptionValues, ctx: CommandContext, decisionsNamed: boolean): Promise<number> {
  const servers = (values.nats ?? ctx.io.env.AUDIT_EVENTS_NATS ?? 'nats://127.0.0.1:4222')
    .split(',')
    .map((s) => s.trim());
  for (const server of servers) {
    try {
      const password = new URL(server).password;
      if (password) ctx.redactor.add(decodeURIComponent(password));
    } catch {
      throw new ConfigurationError('nats', `not a URL: ${server}`);
    }
  }
  return withStore(values, ctx, async (opened, settings) => {
    await requireTables(opened.knex, [opened.table], settings.target.display);
    const integrity =
      values.integrity === undefined
        ? undefined
        : typeof values.integrity === 'string'
          ? { chainId: values.integrity }
          : true;
    const store = new KnexEventStore(opened.knex, {
      tableName: opened.table,
      archiveTableName: opened.archiveTable,
      duplicateIds: 'ignore',
      batchSize: values.batchSize,
      // Batches need no order without a chain: two transactions at once keep the database busy
      // while a commit waits for its flush (see docs/scaling-out.md). A chain is written in order.
      ...(integrity === undefined ? { concurrentBatches: 2 } : { integrity }),
    });
    // Reconnects forever; no async stack traces per request (see CONNECT_DEFAULTS in @audit-events/nats).
    const nc = await connect({
      servers,
      name: 'audit-events ingest',
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      noAsyncTraces: true,
    });
    const interrupts = watchInterrupts(ctx.io, (line) => ctx.err(line));
    // One stop for both loops: a signal, or one loop ending with an error (the other then stops too).
    const stop = new AbortController();
    const onInterrupt = (): void => stop.abort();
    interrupts.signal.addEventListener('abort', onInterrupt, { once: true });
    const started = Date.now();
    let last = 0;
    let decisions: {
      consumer: Awaited<ReturnType<typeof ensureIngestConsumer>>;
      writer: PermissionBatchWriter;
    } | null = null;
    try {
      const js = jetstream(nc);
      const jsm = await jetstreamManager(nc);
      const ackWaitMs = Math.round(values.ackWait * 1000);
      const consumer = await ensureIngestConsumer(jsm, js, values.stream, {
        name: values.consumer,
        filterSubject: `${values.subjectPrefix}.>`,
        ackWaitMs,
      });
      // Decisions have a consumer of their own (a server before 2.10 filters one subject per consumer).
      if (values.permissions) {
        const subject = permissionSubject(values.permissionSubjectPrefix);
        if (await streamCovers(jsm, values.stream, subject)) {
          const writer = new PermissionBatchWriter(opened.knex, values.permissionTable, integrity);
          decisions = {
            writer,
            consumer: await ensureIngestConsumer(jsm, js, values.stream, {
              name: values.permissionConsumer,
              filterSubject: subject,
              ackWaitMs,
            }),
          };
        } else if (decisionsNamed) {
          throw new ConfigurationError(
            'permission-subject-prefix',
            `stream ${values.stream} has no subject covering ${subject}`,
          );
        } else {
          ctx.err(
            `note: stream ${values.stream} has no subject covering ${subject}: ingesting request events only (--no-permissions says so explicitly)`,
          );
        }
      }
      let running = ZERO;
      let runningDecisions = ZERO;
      const report = (): void => {
        if (values.json)
          ctx.out(
            JSON.stringify({
              command: 'ingest',
              type: 'stats',
              ...running,
              ...(decisions ? { permissions: runningDecisions } : {}),
              elapsedMs: Date.now() - started,
            }),
          );
        else if (ctx.io.stderr.isTTY) ctx.err(statsLine(running, decisions ? runningDecisions : null));
      };
      const tick = (): void => {
        if (Date.now() - last < 1000) return;
        last = Date.now();
        report();
      };
      const onError =
        (what: string) =>
        (err: unknown, kind: 'store' | 'fetch'): void => {
          const message = err instanceof Error ? err.message : String(err);
          const bump = (t: IngestTotals): IngestTotals =>
            kind === 'fetch' ? { ...t, fetchErrors: t.fetchErrors + 1 } : { ...t, failedBatches: t.failedBatches + 1 };
          if (what === 'events') running = bump(running);
          else runningDecisions = bump(runningDecisions);
          ctx.err(
            kind === 'fetch'
              ? `warning: fetching ${what} from the stream failed, retrying: ${message}`
              : `warning: a batch of ${what} was not stored and will be redelivered: ${message}`,
          );
        };
      const common = {
        js,
        signal: stop.signal,
        batchSize: values.batchSize,
        deadLetterSubject: values.deadLetterSubject,
      };
      const stopOnFailure = <T>(p: Promise<T>): Promise<T> =>
        p.catch((err: unknown) => {
          stop.abort();
          throw err;
        });
      // Ready (consumers in place, signals handled): a supervisor or a test waits for this line
      // before it counts on SIGTERM finishing cleanly.
      if (values.json)
        ctx.out(
          JSON.stringify({
            command: 'ingest',
            type: 'started',
            stream: values.stream,
            consumer: values.consumer,
            ...(decisions ? { permissionConsumer: values.permissionConsumer } : {}),
          }),
        );
      else if (ctx.io.stderr.isTTY) ctx.err(`ingesting from stream ${values.stream} (consumer ${values.consumer})`);
      const [totals, decisionTotals] = await Promise.all([
        stopOnFailure(
          ingestAuditEvents({
            ...common,
            consumer,
            store,
            onBatch: (batch) => {
              running = addBatch(running, batch);
              tick();
            },
            onError: onError('events'),
          }),
        ),
        decisions === null
          ? null
          : stopOnFailure(
              ingestPermissionDecisions({
                ...common,
                consumer: decisions.consumer,
                write: (events) => decisions!.writer.write(events),
                onBatch: (batch) => {
                  runningDecisions = addBatch(runningDecisions, batch);
                  tick();
                },
                onError: onError('permission decisions'),
              }),
            ),
      ]);
      const summary = {
        command: 'ingest',
        type: 'done',
        ok: true,
        ...totals,
        ...(decisionTotals ? { permissions: decisionTotals } : {}),
        elapsedMs: Date.now() - started,
        stoppedBy: interrupts.received() ?? null,
      };
      ctx.out(values.json ? JSON.stringify(summary) : `stopped: ${statsLine(totals, decisionTotals)}`);
      return ExitCode.OK;
    } finally {
      interrupts.signal.removeEventListener('abort', onInterrupt);
      interrupts.dispose();
      await store.close().catch(() => {});
      await decisions?.writer.close().catch(() => {});
      await nc.drain().catch(() => {});
    }
  });
}

function statsLine(t: IngestTotals, d: IngestTotals | null): string {
  const events = `ingested ${t.stored} events in ${t.batches} batches (${t.redelivered} redelivered, ${t.deadLettered} dead-lettered), lag ${t.pending}`;
  return d === null
    ? events
    : `${events}; ${d.stored} permission decisions (${d.redelivered} redelivered, ${d.deadLettered} dead-lettered), lag ${d.pending}`;
}
