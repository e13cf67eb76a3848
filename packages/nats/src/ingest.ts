import type { AuditEvent, EventStore } from '@audit-events/core';
import { decodeEvent } from './event-wire.js';
import { runIngest, type IngestLoopOptions, type IngestSink, type IngestTotals } from './ingest-loop.js';
import { PERMISSION_TOKEN } from './subjects.js';

export { DEFAULT_INGEST_BATCH_SIZE } from './ingest-loop.js';
export type { IngestBatch, IngestTotals, IngestLoopOptions } from './ingest-loop.js';
export { DEFAULT_DEAD_LETTER_SUBJECT } from './dead-letter.js';

export interface IngestOptions extends IngestLoopOptions {
  /** Where events go: a KnexEventStore with `duplicateIds: 'ignore'` makes redeliveries harmless. */
  store: EventStore;
}

const PERMISSION_SUFFIX = `.${PERMISSION_TOKEN}`;

/**
 * Moves request events from a JetStream consumer into an EventStore exactly once (see
 * runIngest): each batch is one save() (one transaction), acknowledged only after it committed;
 * poison (not JSON, not an event, refused by the store, a permission decision on the events
 * consumer) goes to the dead-letter subject. Resolves with the totals when `signal` aborts.
 */
export function ingestAuditEvents(options: IngestOptions): Promise<IngestTotals> {
  const { store } = options;
  const sink: IngestSink<AuditEvent> = {
    refuseSubject: (subject) =>
      subject.endsWith(PERMISSION_SUFFIX)
        ? 'a permission decision on the events consumer: ingest decisions through a consumer of their own'
        : null,
    decode: (data) => {
      const decoded = decodeEvent(data);
      return decoded.ok ? { ok: true, item: decoded.event, id: decoded.event.id } : decoded;
    },
    write: (events) => store.save(events),
    isContentRefusal: (err) => (err as { cause?: { code?: unknown } } | null)?.cause?.code === 'AUDIT_BAD_EVENT',
  };
  return runIngest(options, sink);
}
