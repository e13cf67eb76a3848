import { StoreClosedError } from '../errors.js';
import type { AuditEvent } from '../events/types.js';
import type { EventPage, EventQuery, EventStore } from './event-store.js';
import { compareNewestFirst, encodeCursor, MAX_PAGE_SIZE, normalizeQuery } from './query.js';
import { normalizeExportQuery, type ExportQuery } from './export-query.js';

/**
 * An EventStore in memory: for tests, examples and prototypes. Events are deep-copied on the way
 * in and out, so callers never share objects with the store.
 */
export class MemoryEventStore implements EventStore {
  readonly #events: AuditEvent[] = [];
  #closed = false;
  /** Number of save() calls, useful to assert batching in tests. */
  saveCalls = 0;

  get size(): number {
    return this.#events.length;
  }

  /** Every stored event, oldest first (copies). */
  all(): AuditEvent[] {
    return this.#events.map(clone);
  }

  async save(events: readonly AuditEvent[]): Promise<void> {
    if (this.#closed) throw new StoreClosedError();
    this.saveCalls++;
    for (const event of events) this.#events.push(clone(event));
  }

  async find(query: EventQuery = {}): Promise<EventPage> {
    const q = normalizeQuery(query);
    const matches = this.#events
      .filter(
        (e) =>
          (q.contentType === undefined || e.contentType === q.contentType) &&
          (q.objectId === undefined || e.objectId === q.objectId) &&
          (q.userId === undefined || e.userId === q.userId) &&
          (q.requestId === undefined || e.requestId === q.requestId) &&
          (q.tenantId === undefined || e.tenantId === q.tenantId) &&
          (q.action === undefined || e.action === q.action) &&
          (q.outcome === undefined || e.outcome === q.outcome) &&
          (q.actorType === undefined || e.actorType === q.actorType) &&
          (q.id === undefined || e.id === q.id) &&
          (q.since === undefined || e.createdAt >= q.since) &&
          (q.until === undefined || e.createdAt < q.until) &&
          (q.after === undefined || compareNewestFirst(q.after, e) < 0),
      )
      .sort(compareNewestFirst);
    const page = matches.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      events: page.map(clone),
      nextCursor: matches.length > q.limit && last ? encodeCursor(last) : null,
    };
  }

  /**
   * Every matching event, oldest first (copies), as of the first read: read through find(), so
   * the filters are exactly find()'s. There is no archive here: `includeArchive` changes nothing.
   */
  export(query: ExportQuery = {}): AsyncIterableIterator<AuditEvent> {
    const { filters } = normalizeExportQuery(query);
    return this.#exportAll(filters);
  }

  async *#exportAll(filters: EventQuery): AsyncGenerator<AuditEvent, void, undefined> {
    const newestFirst: AuditEvent[] = [];
    let cursor: string | null = null;
    do {
      const page: EventPage = await this.find({
        ...filters,
        limit: MAX_PAGE_SIZE,
        ...(cursor === null ? {} : { cursor }),
      });
      newestFirst.push(...page.events);
      cursor = page.nextCursor;
    } while (cursor !== null);
    for (let i = newestFirst.length - 1; i >= 0; i--) yield newestFirst[i] as AuditEvent;
  }

  /** Removes every event. */
  clear(): void {
    this.#events.length = 0;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}

function clone(event: AuditEvent): AuditEvent {
  const copy = structuredClone(event);
  return copy;
}
