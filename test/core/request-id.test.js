// Request ids (issue 16 item 13): an incoming id is adopted only from a trusted proxy and only when
// well formed; otherwise the server's own id is used and the client's, when printable ASCII of at
// most 128 characters, is kept apart as clientRequestId (content / metadata `client_request_id`).
import { expect } from 'chai';
import { AuditContext, MemoryEventStore } from '@audit-events/core';
import { CLIENT_REQUEST_ID_KEY, resolveRequestIds } from '@audit-events/core/internal';

const UUID7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const trusted = { fromTrustedProxy: true };
const direct = { fromTrustedProxy: false };

describe('request ids', () => {
  it('adopts a well-formed id only from a trusted proxy', () => {
    expect(resolveRequestIds('req-1', trusted)).to.deep.equal({ requestId: 'req-1', clientRequestId: null });
    const untrusted = resolveRequestIds('req-1', direct);
    expect(untrusted.requestId).to.match(UUID7);
    expect(untrusted.clientRequestId).to.equal('req-1');
    // A snapshot that says nothing about trust (a custom reader) is not trusted.
    expect(resolveRequestIds('req-1', {}).clientRequestId).to.equal('req-1');
  });

  it('replaces malformed ids from anyone, keeping printable ASCII up to 128 characters apart', () => {
    for (const peer of [trusted, direct]) {
      for (const [incoming, kept] of [
        ['a b', 'a b'],
        ['<x>', '<x>'],
        ['x'.repeat(128), direct === peer ? 'x'.repeat(128) : null],
        ['x'.repeat(129), null],
        ['caf\u00e9', null],
        ['a\u0000b', null],
        ['', null],
        [['one', 'two'], 'one, two'],
        [42, null],
      ]) {
        const ids = resolveRequestIds(incoming, peer);
        if (peer === trusted && incoming === 'x'.repeat(128)) {
          expect(ids).to.deep.equal({ requestId: incoming, clientRequestId: null });
          continue;
        }
        expect(ids.requestId, String(incoming)).to.match(UUID7);
        expect(ids.clientRequestId, String(incoming)).to.equal(kept);
      }
    }
  });

  it('asks about trust only when an id came in, and holds generators to the id rule', () => {
    const peer = {
      get fromTrustedProxy() {
        throw new Error('asked');
      },
    };
    expect(resolveRequestIds(undefined, peer, () => 'gen-1')).to.deep.equal({
      requestId: 'gen-1',
      clientRequestId: null,
    });
    expect(resolveRequestIds(undefined, peer, () => 'bad id').requestId).to.match(UUID7);
    expect(resolveRequestIds('x y', direct, () => 'gen-2')).to.deep.equal({
      requestId: 'gen-2',
      clientRequestId: 'x y',
    });
  });

  it("stores the client id as content client_request_id (the app's own content wins) and carries it through toJSON", async () => {
    const store = new MemoryEventStore();
    const context = new AuditContext({ store, requestId: 'ours', clientRequestId: 'theirs' });
    const event = await context.createEvent({ type: 'order', id: 1 }, { total: 3 });
    expect(event.requestId).to.equal('ours');
    expect(event.content).to.deep.equal({ [CLIENT_REQUEST_ID_KEY]: 'theirs', total: 3 });
    const own = await context.createEvent({ type: 'order', id: 1 }, { client_request_id: 'app value' });
    expect(own.content.client_request_id).to.equal('app value');
    const restored = AuditContext.fromJSON(JSON.stringify(context), { store });
    expect(restored.clientRequestId).to.equal('theirs');
    expect(new AuditContext({ requestId: 'r' }).toJSON()).not.to.have.property('clientRequestId');
    expect(AuditContext.fromJSON({ requestId: 'r' }).clientRequestId).to.equal(null);
  });
});
