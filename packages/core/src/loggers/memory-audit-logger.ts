import type { AuditLogger } from '../permission/audit-logger.js';
import type { PermissionAuditEvent } from '../permission/event.js';
import { serializeEvent, type SerializedPermissionAuditEvent } from '../permission/serialize.js';

/** Keeps events in `.events`, synchronously: for tests and for asserting what checks decided. */
export class MemoryAuditLogger implements AuditLogger {
  readonly events: PermissionAuditEvent[] = [];
  #closed = false;
  #dropped = 0;

  record(event: PermissionAuditEvent): void {
    if (this.#closed) {
      this.#dropped++;
      return;
    }
    this.events.push(event);
  }

  /** The events in their serialised (file/Kafka) shape. */
  serialized(): SerializedPermissionAuditEvent[] {
    return this.events.map((event) => serializeEvent(event));
  }

  /** Events recorded after close(). */
  get droppedCount(): number {
    return this.#dropped;
  }

  clear(): void {
    this.events.length = 0;
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }
}
