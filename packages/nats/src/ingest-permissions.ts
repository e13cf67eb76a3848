import type { PermissionAuditEvent } from '@audit-events/core';
import { runIngest, type IngestLoopOptions, type IngestSink, type IngestTotals } from './ingest-loop.js';
import { decodeDecision } from './permission-wire.js';
import { PERMISSION_TOKEN } from './subjects.js';

/** The durable consumer permission decisions are ingested through (events have their own). */
export const DEFAULT_PERMISSION_INGEST_CONSUMER = 'audit-ingest-permissions';

export interface PermissionIngestOptions extends IngestLoopOptions {
  /**
   * Writes decisions in one transaction, skipping those whose id (`permissionEventId`, the
   * table's unique `event_id`) is stored already; rejects when nothing was stored (the batch is
   * redelivered), or with an EventRejectedError when the database refuses a decision for its
   * content (it is then found and dead-lettered). The CLI writes through DatabaseAuditLogger.
   */
  write(events: PermissionAuditEvent[]): Promise<void>;
}

const SUFFIX = `.${PERMISSION_TOKEN}`;

/**
 * Moves permission decisions (published by JetStreamAuditLogger to `<prefix>._permissions`)
 * from a JetStream consumer into a permission table exactly once, as ingestAuditEvents does for
 * request events: one transaction per batch, acknowledged after its commit, poison dead-lettered.
 * The consumer should filter `<prefix>._permissions` (or `<prefix>.>`); anything else that
 * reaches it is dead-lettered, not guessed at.
 */
export function ingestPermissionDecisions(options: PermissionIngestOptions): Promise<IngestTotals> {
  const { write } = options;
  const sink: IngestSink<PermissionAuditEvent> = {
    refuseSubject: (subject) =>
      subject.endsWith(SUFFIX)
        ? null
        : 'not a permission decision subject: the decisions consumer takes <prefix>._permissions only',
    decode: (data) => {
      const decoded = decodeDecision(data);
      return decoded.ok ? { ok: true, item: decoded.event, id: decoded.id } : decoded;
    },
    write: (events) => write(events),
    isContentRefusal: (err) => (err as { code?: unknown } | null)?.code === 'AUDIT_EVENT_REJECTED',
  };
  return runIngest(options, sink);
}
