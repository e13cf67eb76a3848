// The framework-independent part of auditEventsRouter: query parsing and router options.
import { expect } from 'chai';
import {
  ConfigurationError,
  InvalidQueryError,
  InvalidScopeError,
  MemoryEventStore,
  parseTimeBound,
} from '@audit-events/core';
import {
  applyScope,
  checkScope,
  decodeCursor,
  encodeCursor,
  normalizeQuery,
  parseListingQuery,
  resolveRouterOptions,
} from '@audit-events/core/internal';

describe('event listing query', () => {
  it('turns query-string values into an EventQuery with dates and a bounded default limit', () => {
    expect(parseListingQuery({}, 100)).to.deep.equal({ limit: 50 });
    expect(parseListingQuery({}, 10)).to.deep.equal({ limit: 10 });
    expect(
      parseListingQuery({
        contentType: 'order',
        objectId: '7',
        userId: 'u',
        requestId: 'r',
        since: '2024-01-01',
        until: '2024-01-02T00:00:00Z',
        limit: '5',
      }),
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
    for (const raw of [
      { user: 'x' },
      { userId: ['a', 'b'] },
      { userId: { a: '1' } },
      { limit: '-1' },
      { since: '01/02/2024' },
      { cursor: '!!' },
    ]) {
      expect(() => parseListingQuery(raw), JSON.stringify(raw))
        .to.throw(InvalidQueryError)
        .with.property('code', 'AUDIT_BAD_QUERY');
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
    for (const text of [
      '2024-02-30',
      '1900-02-29',
      '2024-13-01',
      '2024-06-31',
      '0000-12-31',
      '2024-01-01T24:00',
      '2024-01-01T10:00+14:60',
      '+002024-01-01',
      '20240101',
    ]) {
      expect(() => parseListingQuery({ since: text }), text).to.throw(
        InvalidQueryError,
        /since must be a valid ISO 8601/,
      );
    }
  });

  it('takes the CLI forms for since/until too: an age (30m, 12h, 7d, 2w, 1.5h) before now, in whole milliseconds', () => {
    const now = () => Date.parse('2024-05-08T12:00:00.000Z');
    const at = (text) => parseListingQuery({ since: text }, 100, now).since?.toISOString();
    expect(at('7d')).to.equal('2024-05-01T12:00:00.000Z');
    expect(at('24h')).to.equal('2024-05-07T12:00:00.000Z');
    expect(at('30m')).to.equal('2024-05-08T11:30:00.000Z');
    expect(at('2w')).to.equal('2024-04-24T12:00:00.000Z');
    expect(at('1.5h')).to.equal('2024-05-08T10:30:00.000Z');
    expect(at('0.0000001m')).to.equal('2024-05-08T12:00:00.000Z'); // 6 µs rounds to 0 ms
    expect(parseListingQuery({ until: '0d' }, 100, now).until?.toISOString()).to.equal('2024-05-08T12:00:00.000Z');
    for (const text of [
      '7',
      'd',
      '7D',
      '7 d',
      ' 7d',
      '7d ',
      '-7d',
      '+7d',
      '7y',
      '7s',
      '1e3d',
      '.5d',
      '5.d',
      '999999999w',
      'Infinityd',
      '7dd',
    ]) {
      expect(() => parseListingQuery({ since: text }, 100, now), text).to.throw(
        InvalidQueryError,
        /since must be .* or an age such as/,
      );
    }
  });

  it('parseTimeBound is the one parser of the CLI and the HTTP API: null for anything it does not take', () => {
    const now = () => Date.parse('2024-05-08T12:00:00.000Z');
    expect(parseTimeBound('2025-03-01', now)?.toISOString()).to.equal('2025-03-01T00:00:00.000Z');
    expect(parseTimeBound('2025-03-01T12:00', now)?.toISOString()).to.equal('2025-03-01T12:00:00.000Z');
    expect(parseTimeBound('2025-03-01T12:00+02:00', now)?.toISOString()).to.equal('2025-03-01T10:00:00.000Z');
    expect(parseTimeBound('12h', now)?.toISOString()).to.equal('2024-05-08T00:00:00.000Z');
    for (const bad of ['last tuesday', '2025-13-45', '2024-02-30', '', 'x'.repeat(10_000), 42, null]) {
      expect(parseTimeBound(bad, now), String(bad).slice(0, 20)).to.equal(null);
    }
  });

  it('accepts only cursors it made: canonical base64url of [whole ms in range, printable id]', () => {
    const position = { createdAt: new Date('2024-05-01T10:00:00Z'), id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b' };
    const cursor = encodeCursor(position);
    expect(decodeCursor(cursor)).to.deep.equal(position);
    const forge = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const bad of [
      forge([1e300, 'x']),
      forge([0, 'a\u0000']),
      forge([0.5, 'x']),
      forge([-62135596800001, 'x']),
      forge([0, 'x', 1]),
      `${cursor}=`,
      cursor.slice(0, -1),
      'x'.repeat(300),
      42,
      null,
    ]) {
      expect(() => decodeCursor(bad), String(bad).slice(0, 40)).to.throw(InvalidQueryError, /cursor/);
    }
  });

  it("normalizeQuery (every store's find) refuses unknown keys, wrong types and dates out of range", () => {
    expect(normalizeQuery({ since: '2024-01-01', objectId: 7 })).to.deep.equal({
      limit: 50,
      since: new Date('2024-01-01T00:00:00Z'),
      objectId: '7',
    });
    for (const bad of [
      null,
      [],
      'x',
      { userID: 'u' },
      { limit: '5' },
      { since: 0 },
      { since: new Date(8.64e15) },
      { since: '2024-02-30' },
      { objectId: NaN },
      { userId: true },
      { cursor: 1 },
    ]) {
      expect(() => normalizeQuery(bad), JSON.stringify(bad))
        .to.throw(InvalidQueryError)
        .with.property('code', 'AUDIT_BAD_QUERY');
    }
  });

  it('router options require a store with find(), an authorize function and a scope', () => {
    const store = new MemoryEventStore();
    const authorize = () => true;
    expect(resolveRouterOptions({ store, authorize, scope: 'all' }).maxLimit).to.equal(100);
    expect(() => resolveRouterOptions({ store, scope: 'all' })).to.throw(ConfigurationError, /authorize/);
    expect(() => resolveRouterOptions(null)).to.throw(ConfigurationError);
    expect(() => resolveRouterOptions({ store, authorize, scope: 'all', path: '/x' })).to.throw(
      ConfigurationError,
      /path/,
    );
    expect(resolveRouterOptions({ store, authorize, scope: 'all', path: '/x' }, ['path']).store).to.equal(store);
    for (const scope of [undefined, null, 'ALL', 'all ', '', true, {}, { tenantId: 'a' }, ['all'], 1]) {
      expect(() => resolveRouterOptions({ store, authorize, scope }), String(scope))
        .to.throw(ConfigurationError)
        .with.property('setting', 'scope');
    }
    expect(() => resolveRouterOptions({ store, authorize })).to.throw(ConfigurationError, /scope: is required/);
  });

  it('router option fields: { exclude } or { include }, known names only, id and createdAt always answered', () => {
    const base = { store: new MemoryEventStore(), authorize: () => true, scope: 'all' };
    expect(resolveRouterOptions(base).fields).to.equal(null);
    const excluded = resolveRouterOptions({
      ...base,
      fields: { exclude: ['postData', 'headers', 'ip', 'userAgent'] },
    }).fields;
    expect(excluded.mode).to.equal('exclude');
    expect([...excluded.names]).to.deep.equal(['postData', 'headers', 'ip', 'userAgent']);
    const included = resolveRouterOptions({ ...base, fields: { include: ['action'] } }).fields;
    expect(included.mode).to.equal('include');
    expect([...included.names].sort()).to.deep.equal(['action', 'createdAt', 'id']);
    for (const fields of [
      null,
      [],
      'postData',
      {},
      { exclude: 'ip' },
      { exclude: ['postdata'] },
      { exclude: ['id'] },
      { exclude: ['createdAt'] },
      { include: [1] },
      { exclude: [], include: [] },
      { omit: ['ip'] },
    ]) {
      expect(() => resolveRouterOptions({ ...base, fields }), JSON.stringify(fields))
        .to.throw(ConfigurationError)
        .with.property('setting', 'fields');
    }
  });

  it('checkScope refuses anything but a plain object naming known filters with values of the right type', () => {
    expect(checkScope({ userId: 7, contentType: 'order' })).to.deep.equal({
      equal: { userId: '7', contentType: 'order' },
    });
    const now = () => Date.parse('2024-05-08T12:00:00.000Z');
    expect(checkScope({ userId: 'u', since: '7d', until: new Date('2024-06-01T00:00:00Z') }, now)).to.deep.equal({
      equal: { userId: 'u' },
      since: new Date('2024-05-01T12:00:00.000Z'),
      until: new Date('2024-06-01T00:00:00.000Z'),
    });
    class Scope {
      constructor() {
        this.userId = 'u';
      }
    }
    const bad = [
      null,
      undefined,
      'all',
      'tenant-a',
      42,
      [],
      [{ userId: 'u' }],
      {},
      new Scope(),
      new Map([['userId', 'u']]),
      { userId: undefined },
      { userId: null },
      { userId: '' },
      { userId: {} },
      { userId: ['u'] },
      { userID: 'u' },
      { limit: 5 },
      { cursor: 'x' },
      { [Symbol('userId')]: 'u' },
      JSON.parse('{"__proto__": {"userId": "u"}}'),
      { userId: 'x'.repeat(256) },
      { since: 'yesterday' },
      { since: 0 },
    ];
    for (const value of bad) {
      expect(() => checkScope(value), String(value?.toString?.()).slice(0, 40))
        .to.throw(InvalidScopeError)
        .with.property('code', 'AUDIT_BAD_SCOPE');
    }
  });

  it('applyScope ANDs the scope in: a different value for a scoped key is nothing, time bounds intersect', () => {
    const scope = checkScope({ userId: 'u1', since: new Date('2024-05-01T00:00:00Z') });
    expect(applyScope({ limit: 5 }, null)).to.deep.equal({ limit: 5 });
    expect(applyScope({ limit: 5 }, scope)).to.deep.equal({
      limit: 5,
      userId: 'u1',
      since: new Date('2024-05-01T00:00:00Z'),
    });
    expect(applyScope({ limit: 5, userId: 'u1' }, scope)).to.deep.equal({
      limit: 5,
      userId: 'u1',
      since: new Date('2024-05-01T00:00:00Z'),
    });
    expect(applyScope({ limit: 5, userId: 'u2' }, scope)).to.equal(null);
    expect(applyScope({ limit: 5, userId: 'U1' }, scope)).to.equal(null);
    expect(applyScope({ limit: 5, userId: 'u1 ' }, scope)).to.equal(null);
    expect(applyScope({ limit: 5, since: new Date('2020-01-01T00:00:00Z') }, scope).since).to.deep.equal(
      new Date('2024-05-01T00:00:00Z'),
    );
    expect(applyScope({ limit: 5, since: new Date('2024-06-01T00:00:00Z') }, scope).since).to.deep.equal(
      new Date('2024-06-01T00:00:00Z'),
    );
    expect(applyScope({ limit: 5, until: new Date('2024-04-01T00:00:00Z') }, scope)).to.equal(null);
  });
});
