import type { Command } from 'commander';
import { KnexEventStore } from '@audit-events/knex';
import {
  DEFAULT_ACK_WAIT_MS,
  DEFAULT_DEAD_LETTER_SUBJECT,
  DEFAULT_EVENT_SUBJECT_PREFIX,
  DEFAULT_INGEST_BATCH_SIZE,
  DEFAULT_INGEST_CONSUMER,
  DEFAULT_STREAM_NAME,
  ensureIngestConsumer,
  ingestAuditEvents,
  type IngestTotals,
} from '@audit-events/nats';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { ConfigurationError } from '@audit-events/core';
import type { CommandContext } from '../command-context.js';
import { addDatabaseOptions, type DatabaseOptionValues } from '../database-options.js';
import { ExitCode } from '../exit-codes.js';
import { watchInterrupts } from '../interrupts.js';
import { parseBatchSize, parseSeconds } from '../parse-options.js';
import { requireTables } from '../require-tables.js';
import { withStore } from '../with-store.js';

interface IngestOptionValues extends DatabaseOptionValues {
  nats?: string;
  stream: string;
  consumer: string;
  subjectPrefix: string;
  deadLetterSubject: string;
  ackWait: number;
  batchSize: number;
  integrity?: boolean | string;
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
    .option('--nats <url>', 'NATS server URL(s), comma-separated (default: $AUDIT_EVENTS_NATS or nats://127.0.0.1:4222)')
    .option('--stream <name>', 'JetStream stream', DEFAULT_STREAM_NAME)
    .option('--consumer <name>', 'durable consumer shared by every worker (created if missing)', DEFAULT_INGEST_CONSUMER)
    .option('--subject-prefix <prefix>', "the event store's subject prefix (the new consumer's filter)", DEFAULT_EVENT_SUBJECT_PREFIX)
    .option('--dead-letter-subject <subject>', 'where poison messages go, with their reason', DEFAULT_DEAD_LETTER_SUBJECT)
    .option('--ack-wait <seconds>', 'redeliver a batch not acknowledged within this long (new consumer only)', parseSeconds, DEFAULT_ACK_WAIT_MS / 1000)
    .option('--batch-size <n>', 'messages per batch, each batch one transaction', parseBatchSize, DEFAULT_INGEST_BATCH_SIZE)
    .option('--integrity [chainId]', 'hash-chain what this worker writes (its own chain; a fixed id resumes it after a restart)');
  addDatabaseOptions(command).action(async (values: IngestOptionValues) => {
    ctx.useJson(values.json === true);
    ctx.finish(await ingest(values, ctx));
  });
}

async function ingest(values: IngestOptionValues, ctx: CommandContext): Promise<number> {
  const servers = (values.nats ?? ctx.io.env.AUDIT_EVENTS_NATS ?? 'nats://127.0.0.1:4222').split(',').map((s) => s.trim());
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
    const store = new KnexEventStore(opened.knex, {
      tableName: opened.table,
      archiveTableName: opened.archiveTable,
      duplicateIds: 'ignore',
      batchSize: values.batchSize,
      ...(values.integrity === undefined ? {} : { integrity: typeof values.integrity === 'string' ? { chainId: values.integrity } : true }),
    });
    const nc = await connect({ servers, name: 'audit-events ingest', maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    const interrupts = watchInterrupts(ctx.io, (line) => ctx.err(line));
    const started = Date.now();
    let last = 0;
    try {
      const js = jetstream(nc);
      const consumer = await ensureIngestConsumer(await jetstreamManager(nc), js, values.stream, {
        name: values.consumer,
        filterSubject: `${values.subjectPrefix}.>`,
        ackWaitMs: Math.round(values.ackWait * 1000),
      });
      let running: IngestTotals = { batches: 0, messages: 0, stored: 0, redelivered: 0, deadLettered: 0, failedBatches: 0, fetchErrors: 0, pending: 0 };
      const report = (): void => {
        if (values.json) ctx.out(JSON.stringify({ command: 'ingest', type: 'stats', ...running, elapsedMs: Date.now() - started }));
        else if (ctx.io.stderr.isTTY) ctx.err(statsLine(running));
      };
      const totals = await ingestAuditEvents({
        js,
        consumer,
        store,
        signal: interrupts.signal,
        batchSize: values.batchSize,
        deadLetterSubject: values.deadLetterSubject,
        onBatch: (batch) => {
          running = {
            ...running,
            batches: running.batches + 1,
            messages: running.messages + batch.messages,
            stored: running.stored + batch.stored,
            redelivered: running.redelivered + batch.redelivered,
            deadLettered: running.deadLettered + batch.deadLettered,
            pending: batch.pending,
          };
          if (Date.now() - last >= 1000) {
            last = Date.now();
            report();
          }
        },
        onError: (err, kind) => {
          const message = err instanceof Error ? err.message : String(err);
          if (kind === 'fetch') {
            running = { ...running, fetchErrors: running.fetchErrors + 1 };
            ctx.err(`warning: fetching from the stream failed, retrying: ${message}`);
          } else {
            running = { ...running, failedBatches: running.failedBatches + 1 };
            ctx.err(`warning: a batch was not stored and will be redelivered: ${message}`);
          }
        },
      });
      const summary = { command: 'ingest', type: 'done', ok: true, ...totals, elapsedMs: Date.now() - started, stoppedBy: interrupts.received() ?? null };
      ctx.out(values.json ? JSON.stringify(summary) : `stopped: ${statsLine(totals)}`);
      return ExitCode.OK;
    } finally {
      interrupts.dispose();
      await store.close().catch(() => {});
      await nc.drain().catch(() => {});
    }
  });
}

function statsLine(t: IngestTotals): string {
  return `ingested ${t.stored} events in ${t.batches} batches (${t.redelivered} redelivered, ${t.deadLettered} dead-lettered), lag ${t.pending}`;
}
