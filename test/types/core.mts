// Compiled (not run) by `npm run typecheck`: the public types work for an ESM TypeScript consumer.
import {
  AuditContext,
  CHANGES_KEY,
  MemoryEventStore,
  computeChangePatch,
  configureMasking,
  getAuditContext,
  getMasker,
  type AuditEvent,
  type ChangeEventOptions,
  type ChangeOperation,
  type ChangePatch,
  type EventOptions,
  type EventStore,
  type FieldMasker,
  type MaskingOptions,
} from '@audit-events/core';

const store: EventStore = new MemoryEventStore();
const ctx: AuditContext = new AuditContext({ store, requestId: 'r' });
const pending: Promise<AuditEvent> = ctx.createEvent({ type: 'order', id: 1 }, { total: 10 });
const current: AuditContext = getAuditContext();
void pending;
void current;

// One masking configuration; raw content only on request, per event.
const masking: MaskingOptions = { fields: ['internal_note'], replaceDefaults: false };
const masker: FieldMasker = configureMasking(masking);
const raw: EventOptions = { maskContent: false };
const unmasked: Promise<AuditEvent> = ctx.createEvent({ type: 'order', id: 1 }, { note: 'n' }, raw);
const fields: Promise<AuditEvent> = ctx.createFieldsEvent({ type: 'order', id: 1, note: 'n' }, ['note'], undefined, raw);
const draftMasked: boolean = ctx.newEvent(raw).maskContent;
const contextMasker: FieldMasker = new AuditContext({ masker: getMasker() }).masker;
void masker;
void unmasked;
void fields;
void draftMasked;
void contextMasker;

// Change events: null when nothing changed; the patch's operation types are public.
const changeOptions: ChangeEventOptions = { always: true, maskContent: false };
const changed: Promise<AuditEvent | null> = ctx.createChangeEvent({ type: 'order', id: 1 }, { total: 1 }, { total: 2 }, undefined, changeOptions);
const patch: ChangePatch = computeChangePatch({ total: 1 }, { total: 2 }, getMasker());
const first: ChangeOperation | undefined = patch.operations[0];
const old = first !== undefined && first.op !== 'add' ? first.old : null;
const key: string = CHANGES_KEY;
void changed;
void old;
void key;
