// The framework-independent part of auditEventsRouter: query parsing and router options.
import { expect } from 'chai';
import { ConfigurationError, InvalidQueryError, MemoryEventStore, parseListingQuery, resolveRouterOptions } from '@audit-events/core';

describe('event listing query', () => {
  it('turns query-string values into an EventQuery with dates and a bounded default limit', () => {
    expect(parseListingQuery({}, 100)).to.deep.equal({ limit: 50 });
    expect(parseListingQuery({}, 10)).to.deep.equal({ limit: 10 });
    expect(
      parseListingQuery({ contentType: 'order', objectId: '7', userId: 'u', requestId: 'r', since: '2024-01-01', until: '2024-01-02T00:00:00Z', limit: '5' }),
    ).to.deep.equal({
      limit: 5,
      contentType: 'order',
      objectId: '7',
      userId: 'u',
      requestId: 'r',
      since: new Date('2024-01-01T00:00:00Z'),
      until: new Date('2024-01-02T00:00:00Z'),
    });
    expect(parseListingQuery({ userId: '', cursor: '' })).to.deep.equal({ limit: 50 });
  });

  it('rejects unknown, repeated, nested and malformed parameters with InvalidQueryError', () => {
    for (const raw of [{ user: 'x' }, { userId: ['a', 'b'] }, { userId: { a: '1' } }, { limit: '-1' }, { since: '01/02/2024' }, { cursor: '!!' }]) {
      expect(() => parseListingQuery(raw), JSON.stringify(raw)).to.throw(InvalidQueryError).with.property('code', 'AUDIT_BAD_QUERY');
    }
  });

  it('router options require a store with find() and an authorize function', () => {
    const store = new MemoryEventStore();
    expect(resolveRouterOptions({ store, authorize: () => true }).maxLimit).to.equal(100);
    expect(() => resolveRouterOptions({ store })).to.throw(ConfigurationError, /authorize/);
    expect(() => resolveRouterOptions(null)).to.throw(ConfigurationError);
    expect(() => resolveRouterOptions({ store, authorize: () => true, path: '/x' })).to.throw(ConfigurationError, /path/);
    expect(resolveRouterOptions({ store, authorize: () => true, path: '/x' }, ['path']).store).to.equal(store);
  });
});
