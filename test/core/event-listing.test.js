// The framework-independent part of auditEventsRouter: query parsing and router options.
import { expect } from 'chai';
import {
  ConfigurationError,
  InvalidQueryError,
  MemoryEventStore,
  decodeCursor,
  encodeCursor,
  normalizeQuery,
  parseListingQuery,
  resolveRouterOptions,
} from '@audit-events/core';

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

  it('reads dates strictly: calendar-checked, UTC without an offset, 0001-9999, digits past the millisecond rounded up', () => {
    const since = (text) => parseListingQuery({ since: text }).since?.toISOString();
    expect(since('2024-02-29')).to.equal('2024-02-29T00:00:00.000Z');
    expect(since('2000-02-29T23:59')).to.equal('2000-02-29T23:59:00.000Z');
    expect(since('2024-05-01T12:00:00+02:00')).to.equal('2024-05-01T10:00:00.000Z');
    expect(since('2024-05-01T12:00:00-0130')).to.equal('2024-05-01T13:30:00.000Z');
    expect(since('2024-05-01 10:00:00.123456Z')).to.equal('2024-05-01T10:00:00.124Z');
    expect(since('2024-05-01T10:00:00.123000Z')).to.equal('2024-05-01T10:00:00.123Z');
    expect(since('0001-01-01')).to.equal('0001-01-01T00:00:00.000Z');
    expect(since('0099-03-01')).to.equal('0099-03-01T00:00:00.000Z'); // not 1999: no two-digit-year mapping
    expect(since('9999-12-31T23:59:59.999Z')).to.equal('9999-12-31T23:59:59.999Z');
    for (const text of ['2024-02-30', '1900-02-29', '2024-13-01', '2024-06-31', '0000-12-31', '2024-01-01T24:00', '2024-01-01T10:00+14:60', '+002024-01-01', '20240101']) {
      expect(() => parseListingQuery({ since: text }), text).to.throw(InvalidQueryError, /since must be a valid ISO 8601/);
    }
  });

  it('accepts only cursors it made: canonical base64url of [whole ms in range, printable id]', () => {
    const position = { createdAt: new Date('2024-05-01T10:00:00Z'), id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b' };
    const cursor = encodeCursor(position);
    expect(decodeCursor(cursor)).to.deep.equal(position);
    const forge = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const bad of [forge([1e300, 'x']), forge([0, 'a\u0000']), forge([0.5, 'x']), forge([-62135596800001, 'x']), forge([0, 'x', 1]), `${cursor}=`, cursor.slice(0, -1), 'x'.repeat(300), 42, null]) {
      expect(() => decodeCursor(bad), String(bad).slice(0, 40)).to.throw(InvalidQueryError, /cursor/);
    }
  });

  it("normalizeQuery (every store's find) refuses unknown keys, wrong types and dates out of range", () => {
    expect(normalizeQuery({ since: '2024-01-01', objectId: 7 })).to.deep.equal({ limit: 50, since: new Date('2024-01-01T00:00:00Z'), objectId: '7' });
    for (const bad of [null, [], 'x', { userID: 'u' }, { limit: '5' }, { since: 0 }, { since: new Date(8.64e15) }, { since: '2024-02-30' }, { objectId: NaN }, { userId: true }, { cursor: 1 }]) {
      expect(() => normalizeQuery(bad), JSON.stringify(bad)).to.throw(InvalidQueryError).with.property('code', 'AUDIT_BAD_QUERY');
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
