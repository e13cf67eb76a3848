import { expect } from 'chai';
import {
  InvalidEventError,
  NotJsonSerializableError,
  PERMISSION_ACTIONS,
  createPermissionAuditEvent,
  isEventId,
  isPermissionAuditEvent,
  permissionEventId,
  serializeEvent,
  serializeEventLine,
  UNSERIALIZABLE_METADATA_KEY,
} from '@audit-events/core';
import { formatTimestamp } from '@audit-events/core/internal';

describe('PermissionAuditEvent', () => {
  it('has general_manager actions', () => {
    expect(PERMISSION_ACTIONS).to.deep.equal(['create', 'read', 'update', 'delete', 'mutation']);
  });

  it('normalises and copies: defaults, user as { id, repr }, its own lists and metadata', () => {
    const attributes = ['a'];
    const metadata = { k: 1 };
    const e = createPermissionAuditEvent({
      action: 'read',
      granted: true,
      attributes,
      metadata,
      user: { _id: 7, email: 'x@y.z' },
    });
    attributes.push('b');
    metadata.k = 2;
    expect(e.attributes).to.deep.equal(['a']);
    expect(e.metadata).to.deep.equal({ k: 1 });
    expect(e.user).to.deep.equal({ id: '7', repr: 'x@y.z' });
    expect(e).to.include({ bypassed: false, manager: null });
    expect(e.permissions).to.deep.equal([]);
    expect(e.timestamp).to.be.instanceOf(Date);
    expect(isPermissionAuditEvent(e)).to.equal(true);
    expect(isPermissionAuditEvent({ ...e })).to.equal(false);
  });

  it('rejects malformed input with an InvalidEventError naming the field', () => {
    const bad = [
      [{ action: 'approve', granted: true }, /action/],
      [{ action: 'read', granted: 'yes' }, /granted/],
      [{ action: 'read', granted: true, attributes: 'name' }, /attributes/],
      [{ action: 'read', granted: true, permissions: [1] }, /permissions/],
      [{ action: 'read', granted: true, metadata: [] }, /metadata/],
      [{ action: 'read', granted: true, timestamp: new Date('nope') }, /timestamp/],
      [{ action: 'read', granted: true, manager: 5 }, /manager/],
      [{ action: 'read', granted: true, id: 'not-a-uuid' }, /id/],
      [{ action: 'read', granted: true, id: '01957A3C-5E10-7000-8A3B-1C2D3E4F5A6B' }, /id/],
      [{ action: 'read', granted: true, id: 42 }, /id/],
      [{ action: 'read', granted: true, tenantId: 7 }, /tenantId/],
      [{ action: 'read', granted: true, tenantId: '' }, /tenantId/],
      [{ action: 'read', granted: true, tenantId: 'x'.repeat(256) }, /tenantId/],
      [{ action: 'read', granted: true, actorType: 'robot' }, /actorType/],
    ];
    for (const [init, message] of bad) {
      expect(() => createPermissionAuditEvent(init), JSON.stringify(init)).to.throw(InvalidEventError, message);
    }
    expect(() => createPermissionAuditEvent(null)).to.throw(InvalidEventError);
  });

  it('has an id: a fresh UUID v7 per event unless given, the same for every serialisation', () => {
    const a = createPermissionAuditEvent({ action: 'read', granted: true });
    const b = createPermissionAuditEvent({ action: 'read', granted: true });
    expect(isEventId(a.id), a.id).to.equal(true);
    expect(a.id[14]).to.equal('7');
    expect(a.id).to.not.equal(b.id);
    expect(serializeEvent(a).event_id).to.equal(a.id);
    expect(JSON.parse(serializeEventLine(a)).event_id).to.equal(a.id);
    const given = '01957a3c-5e10-7000-8a3b-1c2d3e4f5a6b';
    expect(createPermissionAuditEvent({ action: 'read', granted: true, id: given }).id).to.equal(given);
    // An event built by hand without an id gets one on first use and keeps it (its retries reuse it).
    const byHand = {
      action: 'read',
      attributes: [],
      granted: true,
      bypassed: false,
      manager: null,
      user: null,
      permissions: [],
      metadata: null,
      timestamp: new Date(),
    };
    const id = permissionEventId(byHand);
    expect(isEventId(id)).to.equal(true);
    expect(permissionEventId(byHand)).to.equal(id);
    expect(serializeEvent(byHand).event_id).to.equal(id);
    expect(permissionEventId({ ...byHand })).to.not.equal(id);
  });

  describe('serializeEvent', () => {
    const at = new Date('2024-12-31T23:59:59.999Z');

    it('gives the snake_case shape in general_manager key order with user_id, user_repr and user', () => {
      const withId = serializeEvent(
        createPermissionAuditEvent({
          id: '01957a3c-5e10-7000-8a3b-1c2d3e4f5a6b',
          action: 'delete',
          granted: true,
          bypassed: true,
          attributes: ['x'],
          manager: 'M',
          user: { id: 5, username: 'root' },
          permissions: ['isAdmin'],
          timestamp: at,
        }),
      );
      expect(Object.keys(withId)[0]).to.equal('event_id');
      expect(withId).to.deep.equal({
        event_id: '01957a3c-5e10-7000-8a3b-1c2d3e4f5a6b',
        timestamp: '2024-12-31T23:59:59.999+00:00',
        action: 'delete',
        attributes: ['x'],
        granted: true,
        bypassed: true,
        manager: 'M',
        user_id: '5',
        user_repr: 'root',
        user: null,
        tenant_id: null,
        actor_type: 'user',
        permissions: ['isAdmin'],
        metadata: null,
      });
      const noId = serializeEvent(
        createPermissionAuditEvent({ action: 'read', granted: false, user: { username: 'anon-form' }, timestamp: at }),
      );
      expect(noId).to.include({ user_id: null, user_repr: 'anon-form', user: 'anon-form' });
      const anonymous = serializeEvent(createPermissionAuditEvent({ action: 'read', granted: false, timestamp: at }));
      expect(anonymous).to.include({
        user_id: null,
        user_repr: null,
        user: null,
        actor_type: 'anonymous',
        tenant_id: null,
      });
      const given = serializeEvent(
        createPermissionAuditEvent({
          action: 'read',
          granted: true,
          user: { id: 1, username: 'bot' },
          tenantId: 'acme',
          actorType: 'agent',
          timestamp: at,
        }),
      );
      expect(given).to.include({ tenant_id: 'acme', actor_type: 'agent' });
      expect(Object.keys(given).slice(7, 12)).to.deep.equal([
        'user_id',
        'user_repr',
        'user',
        'tenant_id',
        'actor_type',
      ]);
    });

    it('writes timestamps as ISO 8601 with an explicit offset', () => {
      expect(formatTimestamp(at)).to.equal('2024-12-31T23:59:59.999+00:00');
      expect(new Date(formatTimestamp(at)).getTime()).to.equal(at.getTime());
    });

    it('converts BigInt and Dates in metadata; replaces unserialisable metadata unless strict', () => {
      const event = createPermissionAuditEvent({ action: 'read', granted: true, metadata: { n: 10n, when: at } });
      expect(serializeEvent(event).metadata).to.deep.equal({ n: '10', when: '2024-12-31T23:59:59.999Z' });
      const odd = createPermissionAuditEvent({
        action: 'read',
        granted: true,
        metadata: { nan: NaN, gone: undefined, s: 'x' },
      });
      expect(serializeEvent(odd).metadata).to.deep.equal({ nan: null, s: 'x' });
      const loop = {};
      loop.loop = loop;
      const bad = createPermissionAuditEvent({ action: 'read', granted: true, metadata: { loop } });
      expect(serializeEvent(bad).metadata[UNSERIALIZABLE_METADATA_KEY]).to.match(/metadata\.loop\.loop.*circular/);
      expect(() => serializeEvent(bad, { strict: true })).to.throw(NotJsonSerializableError);
      const getter = createPermissionAuditEvent({
        action: 'read',
        granted: true,
        metadata: {
          nested: {
            get boom() {
              throw new Error('nope');
            },
          },
        },
      });
      expect(serializeEvent(getter).metadata[UNSERIALIZABLE_METADATA_KEY]).to.match(/nope/);
    });

    it('serializeEventLine is one JSON line', () => {
      const line = serializeEventLine(
        createPermissionAuditEvent({ action: 'read', granted: true, metadata: { text: 'a\nb' } }),
      );
      expect(line.endsWith('\n')).to.equal(true);
      expect(line.slice(0, -1)).not.to.include('\n');
      expect(JSON.parse(line).metadata.text).to.equal('a\nb');
    });
  });
});
