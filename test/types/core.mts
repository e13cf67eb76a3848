// Compiled (not run) by `npm run typecheck`: the public types work for an ESM TypeScript consumer.
import { AuditContext, MemoryEventStore, getAuditContext, type AuditEvent, type EventStore } from '@audit-events/core';

const store: EventStore = new MemoryEventStore();
const ctx: AuditContext = new AuditContext({ store, requestId: 'r' });
const pending: Promise<AuditEvent> = ctx.createEvent({ type: 'order', id: 1 }, { total: 10 });
const current: AuditContext = getAuditContext();
void pending;
void current;
