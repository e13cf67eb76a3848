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
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { openConnection, type ConnectionOption } from './connection.js';
import { KIND_HEADER } from './headers.js';
import { isCertainRefusal } from './publish-errors.js';
import { checkSubjectPrefix, permissionSubject } from './subjects.js';

/** Default prefix: decisions go to `audit.permissions._permissions`. */
export const DEFAULT_PERMISSION_SUBJECT_PREFIX = 'audit.permissions';

export interface JetStreamAuditLoggerOptions extends BufferedAuditLoggerOptions, ConnectionOption {
  /** The stream expected to store the decisions (checked on every ack). */
  stream: string;
  /** Decisions are published to `<subjectPrefix>._permissions`; default `audit.permissions`. */
  subjectPrefix?: string;
  /** Per-message ack timeout, in ms; default 10 000 (the whole batch is bounded by exportTimeout). */
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
  readonly #connecting: Promise<{ nc: NatsConnection; owned: boolean; js: JetStreamClient }>;

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
      js: jetstream(c.nc),
    }));
    this.#connecting.catch(() => {});
  }

  /** The message id of a decision: its `event_id` (see permissionEventId in core). */
  eventIdOf(event: PermissionAuditEvent): string {
    return permissionEventId(event);
  }

  protected override async handleBatch(events: readonly PermissionAuditEvent[], context: BatchContext): Promise<void> {
    const { js } = await this.#connecting;
    const sends: Array<Promise<unknown>> = [];
    for (const event of events) {
      let data: Uint8Array;
      try {
        // serializeEvent carries `event_id`, the decision's own id since it was built.
        data = Buffer.from(JSON.stringify(serializeEvent(event)), 'utf8');
      } catch (err) {
        context.reject(event, err);
        continue;
      }
      const h = natsHeaders();
      h.set(KIND_HEADER, 'permission');
      sends.push(
        js
          .publish(this.subject, data, {
            msgID: this.eventIdOf(event),
            headers: h,
            timeout: this.#publishTimeoutMs,
            expect: { streamName: this.stream },
          })
          .catch((err: unknown) => {
            // Too large for the server: no retry can help, report this one alone.
            if (isCertainRefusal(err) && /payload/i.test((err as Error).message)) {
              context.reject(
                event,
                new EventRejectedError(`JetStream refused the decision: ${(err as Error).message}`, {
                  cause: err,
                  event,
                }),
              );
              return;
            }
            throw err;
          }),
      );
    }
    const results = await Promise.allSettled(sends);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    // The retry re-publishes the whole batch; the acknowledged ones are dropped as duplicates.
    if (failed !== undefined) throw failed.reason;
  }

  protected override async onClose(): Promise<void> {
    let opened: { nc: NatsConnection; owned: boolean };
    try {
      opened = await this.#connecting;
    } catch {
      return;
    }
    if (opened.owned && !opened.nc.isClosed()) await opened.nc.drain().catch(() => {});
  }
}
