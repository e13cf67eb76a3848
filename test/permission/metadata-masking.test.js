// Permission metadata is masked when the decision is emitted, with the masking configuration in
// force where it was made: the request's (the middleware's maskPostFields) inside an audit
// context, the process-wide one (configureMasking) elsewhere (issue 16, item 9).
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AuditContext,
  DEFAULT_MASKED_FIELDS,
  FieldMasker,
  FileAuditLogger,
  MASK,
  MemoryAuditLogger,
  UNSERIALIZABLE_METADATA_KEY,
  configureAuditLogger,
  configureMasking,
  createPermissionAuditEvent,
  definePermission,
  emitPermissionAuditEvent,
  runWithAuditContext,
  serializeEvent,
  serializeEventLine,
} from '@audit-events/core';
import { enrichEvent } from '@audit-events/core/internal';

const decision = (metadata) => ({
  action: 'update',
  attributes: ['status'],
  granted: true,
  manager: 'Order',
  metadata,
});

describe('permission metadata masking', () => {
  let logger;
  beforeEach(() => {
    logger = new MemoryAuditLogger();
    configureAuditLogger(logger);
  });
  afterEach(() => {
    configureAuditLogger(null);
    configureMasking();
  });

  it("outside a request: the emitted event itself holds masked metadata, the caller's object is untouched", () => {
    const metadata = { ticket: 'T-1', password: 'hunter2', input: { apiToken: 'tok', list: [{ secret: 's' }] } };
    emitPermissionAuditEvent(decision(metadata));
    const [event] = logger.events;
    expect(event.metadata).to.deep.equal({
      ticket: 'T-1',
      password: MASK,
      input: { apiToken: MASK, list: [{ secret: MASK }] },
    });
    expect(metadata.password).to.equal('hunter2');
    expect(metadata.input.apiToken).to.equal('tok');
  });

  it("uses the process-wide configureMasking() fields (the app's own names)", () => {
    configureMasking({ fields: ['internal_note'] });
    emitPermissionAuditEvent(decision({ internal_note: 'fraud suspected', ticket: 'T-1' }));
    expect(logger.events[0].metadata).to.deep.equal({ internal_note: MASK, ticket: 'T-1' });
    // serializeEvent of an event that never went through emit masks with the same configuration.
    const direct = createPermissionAuditEvent(decision({ internal_note: 'n', token: 't' }));
    expect(serializeEvent(direct).metadata).to.deep.equal({ internal_note: MASK, token: MASK });
    expect(JSON.parse(serializeEventLine(direct)).metadata).to.deep.equal({ internal_note: MASK, token: MASK });
  });

  it("inside an audit context: the context's masker, so a request's maskPostFields reaches metadata", () => {
    const masker = new FieldMasker([...DEFAULT_MASKED_FIELDS, 'internal_note']);
    const ctx = new AuditContext({ requestId: 'r-1', method: 'POST', masker });
    runWithAuditContext(ctx, () =>
      emitPermissionAuditEvent(decision({ internal_note: 'n', session: 's', ticket: 'T-1' })),
    );
    expect(logger.events[0].metadata).to.deep.equal({
      request_id: 'r-1',
      method: 'POST',
      internal_note: MASK,
      session: MASK,
      ticket: 'T-1',
    });
    // Outside that request, the process-wide configuration (defaults only) applies.
    emitPermissionAuditEvent(decision({ internal_note: 'n' }));
    expect(logger.events[1].metadata).to.deep.equal({ internal_note: 'n' });
  });

  it('a context masker that replaced the defaults is not overridden by the serializer', () => {
    const ctx = new AuditContext({ requestId: 'r-1', masker: new FieldMasker(['internal_note']) });
    runWithAuditContext(ctx, () =>
      emitPermissionAuditEvent(decision({ internal_note: 'n', token: 'readable by choice' })),
    );
    const serialized = serializeEvent(logger.events[0]);
    expect(serialized.metadata).to.deep.equal({ request_id: 'r-1', internal_note: MASK, token: 'readable by choice' });
    // An explicit masker given to the serializer still applies on top.
    expect(serializeEvent(logger.events[0], { masker: new FieldMasker() }).metadata.token).to.equal(MASK);
  });

  it('enrichEvent masks too (a logger that enriches events itself gets the same result)', () => {
    const event = enrichEvent(createPermissionAuditEvent(decision({ password: 'p', n: 1 })), undefined);
    expect(event.metadata).to.deep.equal({ password: MASK, n: 1 });
  });

  it('non-JSON metadata is converted as the serializer would, then masked; unstorable values are salvaged, not lost', () => {
    const when = new Date('2025-01-02T03:04:05.000Z');
    emitPermissionAuditEvent(decision({ at: when, big: 10n, tags: new Set(['a']), nested: { token: 't' } }));
    expect(serializeEvent(logger.events[0]).metadata).to.deep.equal({
      at: when.toISOString(),
      big: '10',
      tags: ['a'],
      nested: { token: MASK },
    });
    const circular = { ticket: 'T-1', password: 'p' };
    circular.self = circular;
    emitPermissionAuditEvent(decision(circular));
    const salvaged = serializeEvent(logger.events[1]).metadata;
    expect(salvaged).to.include({ ticket: 'T-1', password: MASK });
    expect(salvaged[UNSERIALIZABLE_METADATA_KEY]).to.match(/metadata\.self/);
  });

  it('permission checks: metadata passed to a check is masked in every event it emits', async () => {
    const Project = definePermission({ manager: 'Project', read: ['public'] });
    await Project.checkRead({ id: 1 }, [], { user: null, metadata: { session: 'sess-1', reason: 'export' } });
    expect(logger.events.length).to.be.greaterThan(0);
    for (const event of logger.events) expect(event.metadata).to.include({ session: MASK, reason: 'export' });
  });

  it('FileAuditLogger lines carry the masked metadata', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'audit-metadata-masking-'));
    try {
      const file = join(dir, 'permission.log');
      const fileLogger = new FileAuditLogger(file, { flushOnExit: false, handleSignals: false });
      await configureAuditLogger(fileLogger, { closePrevious: false });
      configureMasking({ fields: ['internal_note'] });
      emitPermissionAuditEvent(decision({ internal_note: 'fraud suspected', password: 'p', ticket: 'T-1' }));
      await fileLogger.close();
      const text = readFileSync(file, 'utf8');
      expect(JSON.parse(text).metadata).to.deep.equal({ internal_note: MASK, password: MASK, ticket: 'T-1' });
      expect(text).not.to.include('fraud');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
