// getAuditContext() / runWithAuditContext(): the current context inside any async call chain,
// a usable blank one outside (never undefined, never a throw), and bindEmitter.
import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AuditContext,
  MemoryEventStore,
  bindEmitter,
  configureEventStore,
  currentAuditContext,
  getAuditContext,
  runWithAuditContext,
} from '@audit-events/core';

describe('the current audit context', () => {
  afterEach(() => configureEventStore(null));

  it('outside a request, getAuditContext() is a blank context and never throws', async () => {
    const blank = getAuditContext();
    expect(blank).to.be.instanceOf(AuditContext);
    expect(blank.isBlank).to.equal(true);
    expect(blank.toJSON()).to.include({ requestId: null, url: null, method: null, ip: null, user: null });
    expect(currentAuditContext()).to.equal(undefined);
  });

  it('a blank context can create events with the configured store', async () => {
    const store = new MemoryEventStore();
    configureEventStore(store);
    const event = await getAuditContext().createEvent({ type: 'job', id: 'nightly' }, { rows: 3 });
    expect(event).to.include({ requestId: null, url: null, userId: null, contentType: 'job' });
    expect(store.size).to.equal(1);
  });

  it('runWithAuditContext scopes a context through await, timers, setImmediate and nextTick', async () => {
    const ctx = new AuditContext({ requestId: 'scoped' });
    const seen = await runWithAuditContext(ctx, async () => {
      const ids = [getAuditContext().requestId];
      await sleep(1);
      ids.push(getAuditContext().requestId);
      ids.push(await new Promise((r) => setTimeout(() => r(getAuditContext().requestId), 1)));
      ids.push(await new Promise((r) => setImmediate(() => r(getAuditContext().requestId))));
      ids.push(await new Promise((r) => process.nextTick(() => r(getAuditContext().requestId))));
      return ids;
    });
    expect(seen).to.deep.equal(['scoped', 'scoped', 'scoped', 'scoped', 'scoped']);
    expect(currentAuditContext()).to.equal(undefined);
  });

  it('nested scopes restore the outer context', () => {
    const outer = new AuditContext({ requestId: 'outer' });
    const inner = new AuditContext({ requestId: 'inner' });
    runWithAuditContext(outer, () => {
      runWithAuditContext(inner, () => expect(getAuditContext()).to.equal(inner));
      expect(getAuditContext()).to.equal(outer);
    });
  });

  it('runWithAuditContext rejects a non-context with a TypeError', () => {
    expect(() => runWithAuditContext({ requestId: 'fake' }, () => 1)).to.throw(TypeError);
    expect(() => runWithAuditContext(null, () => 1)).to.throw(TypeError);
  });

  it('bindEmitter runs listeners in the context they were added in, and removeListener still works', async () => {
    const emitter = new EventEmitter();
    bindEmitter(emitter);
    bindEmitter(emitter); // idempotent
    const seen = [];
    const onPing = () => seen.push(getAuditContext().requestId);
    runWithAuditContext(new AuditContext({ requestId: 'a' }), () => emitter.on('ping', onPing));
    runWithAuditContext(new AuditContext({ requestId: 'b' }), () =>
      emitter.once('ping', () => seen.push(`once:${getAuditContext().requestId}`)),
    );
    runWithAuditContext(new AuditContext({ requestId: 'c' }), () => emitter.emit('ping'));
    emitter.emit('ping');
    emitter.removeListener('ping', onPing);
    emitter.emit('ping');
    expect(seen).to.deep.equal(['a', 'once:b', 'a']);
    expect(emitter.listenerCount('ping')).to.equal(0);
    const never = () => seen.push('never');
    emitter.once('ping', never);
    emitter.prependOnceListener('ping', never);
    emitter.removeListener('ping', never);
    emitter.off('ping', never);
    emitter.emit('ping');
    expect(emitter.listenerCount('ping')).to.equal(0);
    expect(seen).to.have.length(3);
  });
});
