import {
  BufferedAuditLogger,
  ConfigurationError,
  EventRejectedError,
  permissionEventId,
  serializeEvent,
  type BatchContext,
  type BufferedAuditLoggerOptions,
  type PermissionAuditEvent,
} from '@audit-events/core';
import type { NatsConnection } from '@nats-io/transport-node';
import { AckPipeline, type OutgoingMessage } from './ack-pipeline.js';
import { openConnection, type ConnectionOption } from './connection.js';
import { isCertainRefusal } from './publish-errors.js';
import { checkSubjectPrefix, permissionSubject } from './subjects.js';

/** Default prefix: decisions go to `audit.permissions._permissions`. */
export const DEFAULT_PERMISSION_SUBJECT_PREFIX = 'audit.permissions';

export interface JetStreamAuditLoggerOptions extends BufferedAuditLoggerOptions, ConnectionOption {
  /** The stream expected to store the decisions (checked on every ack). */
  stream: string;
  /** Decisions are published to `<subjectPrefix>._permissions`; default `audit.permissions`. */
  subjectPrefix?: string;
  /** How long a batch waits for its acks, in ms; default 10 000 (the whole batch is bounded by exportTimeout). */
  publishTimeoutMs?: number;
}

/**
 * Publishes each permission decision to JetStream as the serializeEvent JSON, whose `event_id` (the
 * UUID v7 the decision got when it was built, kept through its retries) is the message id: a batch
 * retried after a lost ack is stored once, and ingest stores it once.
 */
export class JetStreamAuditLogger extends BufferedAuditLogger {
  readonly stream: string;
  readonly subject: string;
  readonly #publishTimeoutMs: number;
  readonly #connecting: Promise<{ nc: NatsConnection; owned: boolean; pipeline: AckPipeline }>;

  constructor(options: JetStreamAuditLoggerOptions) {
    if (options === null || typeof options !== 'object')
      throw new ConfigurationError('options', 'JetStreamAuditLogger needs { nc | servers, stream }');
    const { nc, servers, stream, subjectPrefix, publishTimeoutMs = 10_000, ...buffered } = options;
    if (typeof stream !== 'string' || stream.length === 0)
      throw new ConfigurationError('stream', 'must be a non-empty string');
    if (nc === undefined && servers === undefined) throw new ConfigurationError('servers', 'give either nc or servers');
    if (!Number.isInteger(publishTimeoutMs) || publishTimeoutMs < 1)
      throw new ConfigurationError('publishTimeoutMs', 'must be a positive integer');
    const prefix = checkSubjectPrefix(subjectPrefix ?? DEFAULT_PERMISSION_SUBJECT_PREFIX);
    super(buffered);
    this.stream = stream;
    this.subject = permissionSubject(prefix);
    this.#publishTimeoutMs = publishTimeoutMs;
    const connection: ConnectionOption = nc !== undefined ? { nc } : { servers: servers as string | string[] };
    this.#connecting = openConnection(connection, 'audit-events permission logger').then((c) => ({
      ...c,
      pipeline: new AckPipeline(c.nc, stream),
    }));
    this.#connecting.catch(() => {});
  }

  /** The message id of a decision: its `event_id` (see permissionEventId in core). */
  eventIdOf(event: PermissionAuditEvent): string {
    return permissionEventId(event);
  }

  protected override async handleBatch(events: readonly PermissionAuditEvent[], context: BatchContext): Promise<void> {
    const { pipeline } = await this.#connecting;
    const messages: OutgoingMessage[] = [];
    const sent: PermissionAuditEvent[] = [];
    for (const event of events) {
      let data: Uint8Array;
      try {
        // serializeEvent carries `event_id`, the decision's own id since it was built.
        data = Buffer.from(JSON.stringify(serializeEvent(event)), 'utf8');
      } catch (err) {
        context.reject(event, err);
        continue;
      }
      messages.push({ subject: this.subject, data, id: this.eventIdOf(event), kind: 'permission' });
      sent.push(event);
    }
    const outcome = await pipeline.publish(messages, this.#publishTimeoutMs);
    let retry: Error | undefined;
    outcome.errors.forEach((err, i) => {
      if (err === undefined) return;
      // Too large for the server: no retry can help, report this one alone.
      if (isCertainRefusal(err) && /payload/i.test(err.message)) {
        context.reject(
          sent[i] as PermissionAuditEvent,
          new EventRejectedError(`JetStream refused the decision: ${err.message}`, { cause: err, event: sent[i] }),
        );
      } else retry ??= err;
    });
    // The retry re-publishes the whole batch; the acknowledged ones are dropped as duplicates.
    if (retry !== undefined) throw retry;
  }

  protected override async onClose(): Promise<void> {
    let opened: { nc: NatsConnection; owned: boolean; pipeline: AckPipeline };
    try {
      opened = await this.#connecting;
    } catch {
      return;
    }
    opened.pipeline.close();
    if (opened.owned && !opened.nc.isClosed()) await opened.nc.drain().catch(() => {});
  }
}
