import type { ActorType, Outcome } from '../events/audit-model.js';
import type { AuditEvent } from '../events/types.js';

/** Filters for reading events back; every filter is optional and they combine with AND. */
export interface EventQuery {
  contentType?: string;
  objectId?: string | number;
  userId?: string | number;
  requestId?: string;
  tenantId?: string;
  action?: string;
  outcome?: Outcome;
  actorType?: ActorType;
  /** One event by its id (a UUID); with the other filters, it must match them too. */
  id?: string;
  /** Inclusive lower bound on createdAt. */
  since?: Date;
  /** Exclusive upper bound on createdAt. */
  until?: Date;
  /** Page size; default 50, at most 1000. */
  limit?: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string;
}

/** One page of events, newest first; `nextCursor` is null on the last page. */
export interface EventPage {
  events: AuditEvent[];
  nextCursor: string | null;
}

/**
 * Where events go. `save` resolves only when every event given is durable in the store, and
 * rejects (with a StoreWriteError or StoreTimeoutError) when none of them is: never half.
 */
export interface EventStore {
  save(events: readonly AuditEvent[]): Promise<void>;
  find(query?: EventQuery): Promise<EventPage>;
  /** Writes what is pending and releases resources; later saves reject with StoreClosedError. */
  close?(): Promise<void>;
}
