import { expect } from 'chai';
import { warningsDuring } from '../helpers/output-capture.js';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { copyCore } from '../helpers/core-copy.js';
import { join } from 'node:path';
import {
  AuditContext,
  ConfigurationError,
  MemoryAuditLogger,
  auditLoggingEnabled,
  configureAuditLogger,
  createPermissionAuditEvent,
  definePermission,
  emitFailureCount,
  emitPermissionAuditEvent,
  getAuditLogger,
  runWithAuditContext,
} from '@audit-events/core';

describe('emitPermissionAuditEvent / configureAuditLogger', () => {
  afterEach(async () => {
    await configureAuditLogger(null);
  });

  describe('with no logger configured (the zero-overhead path)', () => {
    it('never calls the factory', () => {
      expect(auditLoggingEnabled()).to.equal(false);
      let calls = 0;
      emitPermissionAuditEvent(() => {
        calls++;
        return { action: 'read', granted: true };
      });
      expect(calls).to.equal(0);
    });

    it('a permission check builds no event: its metadata, user and descriptions are never read', async () => {
      let touched = 0;
      const metadata = new Proxy(
        {},
        { ownKeys: () => (touched++, []), get: () => (touched++, undefined), has: () => (touched++, false) },
      );
      const permission = definePermission({ manager: 'Doc', update: ['public'] });
      await permission.checkUpdate({}, { title: 'x' }, { user: { id: 1 }, metadata });
      expect(touched).to.equal(0);
      // Same call with a logger: the metadata is read, which shows the probe works.
      const memory = new MemoryAuditLogger();
      configureAuditLogger(memory);
      await permission.checkUpdate({}, { title: 'x' }, { user: { id: 1 }, metadata });
      expect(touched).to.be.greaterThan(0);
      expect(memory.events).to.have.length(1);
    });
  });

  it('hands events, init objects and factories to the logger', () => {
    const memory = new MemoryAuditLogger();
    configureAuditLogger(memory);
    expect(getAuditLogger()).to.equal(memory);
    expect(auditLoggingEnabled()).to.equal(true);
    const built = createPermissionAuditEvent({ action: 'read', granted: true });
    emitPermissionAuditEvent(built);
    emitPermissionAuditEvent({ action: 'update', granted: false, attributes: ['x'] });
    emitPermissionAuditEvent(() => ({ action: 'delete', granted: true }));
    expect(memory.events.map((e) => e.action)).to.deep.equal(['read', 'update', 'delete']);
    expect(memory.events[0]).to.equal(built, 'an event built by createPermissionAuditEvent is passed as is');
  });

  it('never throws into the caller: a malformed event or a throwing logger is counted, and warned about once', async () => {
    const before = emitFailureCount();
    configureAuditLogger({
      record() {
        throw new Error('logger bug');
      },
    });
    const warnings = await warningsDuring('AUDIT_EMIT_FAILED', () => {
      expect(() => emitPermissionAuditEvent({ action: 'read', granted: true })).not.to.throw();
      expect(() => emitPermissionAuditEvent({ action: 'nope', granted: true })).not.to.throw();
      expect(() =>
        emitPermissionAuditEvent(() => {
          throw new Error('factory bug');
        }),
      ).not.to.throw();
    });
    expect(emitFailureCount() - before).to.equal(3);
    expect(warnings).to.have.length(1);
    expect(warnings[0].message).to.match(/logger bug/);
  });

  it('rejects something that is not a logger with a ConfigurationError', () => {
    expect(() => configureAuditLogger({ log() {} })).to.throw(ConfigurationError, /record/);
    expect(() => configureAuditLogger('file.log')).to.throw(ConfigurationError);
  });

  it('closes the replaced logger (unless told not to)', async () => {
    const closed = [];
    const make = (name) => ({ record() {}, close: async () => closed.push(name) });
    const a = make('a');
    const b = make('b');
    const c = make('c');
    configureAuditLogger(a);
    await configureAuditLogger(b);
    expect(closed).to.deep.equal(['a']);
    await configureAuditLogger(b);
    expect(closed).to.deep.equal(['a'], 'configuring the same logger again keeps it');
    await configureAuditLogger(c, { closePrevious: false });
    expect(closed).to.deep.equal(['a']);
    await configureAuditLogger(null);
    expect(closed).to.deep.equal(['a', 'c']);
  });

  describe('enrichment from the audit context', () => {
    const context = () =>
      new AuditContext({
        requestId: 'req-1',
        url: 'https://app.test/projects/3',
        method: 'PATCH',
        ip: '203.0.113.9',
        user: { id: 9, username: 'eve' },
      });

    it('adds request_id, url, method, ip and the user; explicit metadata keys win', () => {
      const memory = new MemoryAuditLogger();
      configureAuditLogger(memory);
      runWithAuditContext(context(), () => {
        emitPermissionAuditEvent({
          action: 'update',
          granted: false,
          metadata: { request_id: 'explicit', reason: 'x' },
        });
        emitPermissionAuditEvent({ action: 'read', granted: true, user: { id: 1, username: 'given' } });
      });
      emitPermissionAuditEvent({ action: 'read', granted: true });
      const [inside, explicitUser, outside] = memory.serialized();
      expect(inside.metadata).to.deep.equal({
        request_id: 'explicit',
        url: 'https://app.test/projects/3',
        method: 'PATCH',
        ip: '203.0.113.9',
        reason: 'x',
      });
      expect(inside).to.include({ user_id: '9', user_repr: 'eve' });
      expect(explicitUser).to.include({ user_id: '1', user_repr: 'given' });
      expect(outside.metadata).to.equal(null);
    });

    it("keeps the decision's id through enrichment (request fields, user, masking): one decision, one event_id", () => {
      const memory = new MemoryAuditLogger();
      configureAuditLogger(memory);
      const event = createPermissionAuditEvent({ action: 'update', granted: false, metadata: { password: 'hunter2' } });
      runWithAuditContext(context(), () => emitPermissionAuditEvent(event));
      const [logged] = memory.events;
      expect(logged).to.not.equal(event); // enriched: a new object…
      expect(logged.id).to.equal(event.id); // …for the same decision
      expect(memory.serialized()[0]).to.include({ event_id: event.id, user_id: '9' });
      expect(memory.serialized()[0].metadata.password).to.not.equal('hunter2');
    });

    it("carries the context's tenant and actor type (issue 17); given values win; a failing getter costs only the field", async () => {
      const memory = new MemoryAuditLogger();
      configureAuditLogger(memory);
      const tenantCtx = new AuditContext({ requestId: 'r', user: { id: 9, username: 'eve' }, tenantId: 'acme' });
      const keyCtx = new AuditContext({
        requestId: 'r',
        tenantId: () => 'globex',
        actor: { type: 'api_key', id: 'key_1', repr: 'CI key' },
      });
      const broken = new AuditContext({
        requestId: 'r',
        user: { id: 9, username: 'eve' },
        tenantId: () => {
          throw new Error('no tenant');
        },
      });
      runWithAuditContext(tenantCtx, () => {
        emitPermissionAuditEvent({ action: 'read', granted: true });
        emitPermissionAuditEvent({ action: 'read', granted: true, user: { id: 5, username: 'other' } });
        emitPermissionAuditEvent({ action: 'read', granted: true, tenantId: 'given', actorType: 'system' });
      });
      runWithAuditContext(keyCtx, () => {
        emitPermissionAuditEvent({ action: 'update', granted: false });
        emitPermissionAuditEvent({ action: 'update', granted: false, user: { id: 'key_1', username: 'CI key' } });
      });
      runWithAuditContext(broken, () => emitPermissionAuditEvent({ action: 'delete', granted: true }));
      await runWithAuditContext(tenantCtx, () =>
        definePermission({ manager: 'Doc', read: ['public'] }).checkRead({}, [], { user: null }),
      );
      emitPermissionAuditEvent({ action: 'read', granted: true });
      emitPermissionAuditEvent({ action: 'read', granted: true, user: { id: 3, username: 'job-owner' } });
      const shown = memory.serialized().map((e) => [e.tenant_id, e.actor_type, e.user_id]);
      expect(shown).to.deep.equal([
        ['acme', 'user', '9'], // the request's user
        ['acme', 'user', '5'], // a check made for somebody else
        ['given', 'system', '9'], // given values win (the user still from the context)
        ['globex', 'api_key', 'key_1'], // an API key acting: it is the decision's user, as for request events
        ['globex', 'api_key', 'key_1'], // the key named as the check's user
        [null, 'user', '9'], // the tenant getter threw: the decision is kept, without a tenant
        ['acme', 'anonymous', null], // explicitly anonymous inside a signed-in request
        [null, 'anonymous', null], // outside any request
        [null, 'user', '3'],
      ]);
    });

    it('keeps an explicitly anonymous check anonymous inside a signed-in request', async () => {
      const memory = new MemoryAuditLogger();
      configureAuditLogger(memory);
      const permission = definePermission({ manager: 'Doc', read: ['public'] });
      await runWithAuditContext(context(), () => permission.checkRead({}, [], { user: null }));
      expect(memory.serialized()[0]).to.include({ user_id: null, user_repr: null });
      expect(memory.serialized()[0].metadata).to.include({ request_id: 'req-1' });
    });
  });

  it('is shared by a second copy of the package (the registry lives on globalThis)', () => {
    const dir = copyCore();
    try {
      const copy = createRequire(join(dir, 'x.js'))('./cjs/index.js');
      expect(copy.emitPermissionAuditEvent).not.to.equal(emitPermissionAuditEvent, 'really a second copy');
      const memory = new MemoryAuditLogger();
      configureAuditLogger(memory);
      expect(copy.getAuditLogger()).to.equal(memory);
      copy.emitPermissionAuditEvent({ action: 'read', granted: true, manager: 'FromCopy' });
      expect(memory.events.map((e) => e.manager)).to.deep.equal(['FromCopy']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
