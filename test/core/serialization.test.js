// toJSON() / AuditContext.fromJSON(): a request's context carried through a queue payload into a
// background job, where events keep the original request id, user, URL and extra data.
import { expect } from 'chai';
import {
  AuditContext,
  MemoryEventStore,
  NotJsonSerializableError,
  getAuditContext,
  runWithAuditContext,
} from '@audit-events/core';

function requestContext(store) {
  return new AuditContext({
    store,
    requestId: 'req-job-1',
    method: 'POST',
    url: 'https://shop.example/orders',
    path: '/orders',
    ip: '2001:db8::1',
    userAgent: 'ua',
    user: () => ({ id: '8', repr: 'eve' }),
    queryParams: () => ({ page: '1' }),
    postData: () => ({ items: 2, password: '********' }),
    headers: { 'X-Team': 'blue' },
    extraData: { tenant: 'acme', since: new Date(0) },
  });
}

describe('carrying a context into a background job', () => {
  it('toJSON() gives plain JSON with lazy values resolved', () => {
    const json = requestContext().toJSON();
    expect(JSON.parse(JSON.stringify(json))).to.deep.equal({
      requestId: 'req-job-1',
      method: 'POST',
      url: 'https://shop.example/orders',
      path: '/orders',
      ip: '2001:db8::1',
      userAgent: 'ua',
      user: { id: '8', repr: 'eve' },
      queryParams: { page: '1' },
      postData: { items: 2, password: '********' },
      headers: { 'X-Team': 'blue' },
      extraData: { tenant: 'acme', since: '1970-01-01T00:00:00.000Z' },
    });
  });

  it('a worker restores it with fromJSON and records events carrying the original request', async () => {
    const requestStore = new MemoryEventStore();
    const payload = JSON.stringify({ orderId: 5, audit: requestContext(requestStore) });

    const workerStore = new MemoryEventStore();
    const job = JSON.parse(payload);
    const restored = AuditContext.fromJSON(job.audit, { store: workerStore });
    await runWithAuditContext(restored, async () => {
      await getAuditContext().createEvent({ type: 'order', id: job.orderId }, { step: 'invoice sent' });
    });
    const [event] = workerStore.all();
    expect(event).to.deep.include({
      requestId: 'req-job-1',
      userId: '8',
      userRepr: 'eve',
      url: 'https://shop.example/orders',
      method: 'POST',
      ip: '2001:db8::1',
      postData: { items: 2, password: '********' },
      content: { tenant: 'acme', since: '1970-01-01T00:00:00.000Z', step: 'invoice sent' },
    });
    expect(requestStore.size).to.equal(0);
  });

  it('fromJSON accepts the JSON string itself and fills missing fields with null', () => {
    const ctx = AuditContext.fromJSON('{"requestId":"r-1"}');
    expect(ctx.requestId).to.equal('r-1');
    expect(ctx.user).to.equal(null);
    expect(ctx.extraData).to.deep.equal({});
  });

  it('fromJSON rejects payloads of the wrong shape with a TypeError naming the field', () => {
    const cases = [
      ['not json', /valid JSON/],
      ['[]', /object/],
      [42, /object/],
      [{ requestId: 5 }, /requestId/],
      [{ user: { id: 1, repr: 'x' } }, /user/],
      [{ user: 'eve' }, /user/],
      [{ headers: { 'X-A': 1 } }, /X-A/],
      [{ extraData: ['a'] }, /extraData/],
    ];
    for (const [payload, message] of cases) {
      expect(() => AuditContext.fromJSON(payload), JSON.stringify(payload)).to.throw(TypeError, message);
    }
  });

  it('toJSON() fails with a typed error when extraData was given a non-JSON value later', () => {
    const ctx = new AuditContext({ extraData: { a: 1 } });
    ctx.extraData.callback = () => 1;
    expect(() => ctx.toJSON())
      .to.throw(NotJsonSerializableError)
      .with.property('path', 'extraData.callback');
  });
});
