import { expect } from 'chai';
import {
  MemoryAuditLogger,
  PermissionCheckError,
  captureAuditEvents,
  configureAuditLogger,
  createPermissionAuditEvent,
  definePermission,
  emitPermissionAuditEvent,
  getAuditLogger,
} from '@audit-events/core';

describe('MemoryAuditLogger and captureAuditEvents', () => {
  afterEach(() => configureAuditLogger(null));

  it('keeps events synchronously in .events, serialises them, and drops after close()', async () => {
    const memory = new MemoryAuditLogger();
    memory.record(createPermissionAuditEvent({ action: 'read', granted: true, attributes: ['a'] }));
    expect(memory.events).to.have.length(1);
    expect(memory.serialized()[0]).to.include({ action: 'read', granted: true });
    memory.clear();
    expect(memory.events).to.have.length(0);
    await memory.close();
    memory.record(createPermissionAuditEvent({ action: 'read', granted: true }));
    expect(memory.events).to.have.length(0);
    expect(memory.droppedCount).to.equal(1);
  });

  it('captureAuditEvents returns what fn emitted and restores the previous logger without closing it', async () => {
    const previous = new MemoryAuditLogger();
    configureAuditLogger(previous);
    const events = await captureAuditEvents(async () => {
      emitPermissionAuditEvent({ action: 'create', granted: true });
      await Promise.resolve();
      emitPermissionAuditEvent({ action: 'delete', granted: false });
    });
    expect(events.map((e) => [e.action, e.granted])).to.deep.equal([
      ['create', true],
      ['delete', false],
    ]);
    expect(getAuditLogger()).to.equal(previous);
    expect(previous.events).to.have.length(0);
    emitPermissionAuditEvent({ action: 'read', granted: true });
    expect(previous.events).to.have.length(1, 'the previous logger is still open');
  });

  it('lets a test assert both granted and denied entries of a failing check', async () => {
    const Doc = definePermission({
      manager: 'Doc',
      update: ['isAuthenticated'],
      attributes: { owner: { update: ['isAdmin'] } },
    });
    let caught;
    try {
      await captureAuditEvents(() => Doc.checkUpdate({}, { title: 't', owner: 'x' }, { user: { id: 1 } }));
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(PermissionCheckError);
    expect(caught.auditEvents.map((e) => [e.attributes[0], e.granted])).to.deep.equal([
      ['title', true],
      ['owner', false],
    ]);
    expect(getAuditLogger()).to.equal(null);
  });
});
