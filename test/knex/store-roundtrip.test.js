import { expect } from 'chai';
import { InvalidEventError, InvalidIdentifierError, StoreWriteError } from '@audit-events/core';
import { forEachDialect, uniqueTable } from '../helpers/databases.js';
import { dropAll, makeEvent, openStore } from './support.js';

const UNICODE = 'Zürich — 東京 — عربى — emoji 🎉👩‍👩‍👧 — combining é — math 𝔸';

forEachDialect('KnexEventStore round trip', (ctx, dialect) => {
  const tables = [];
  afterEach(() => dropAll(ctx.knex, tables));

  async function roundTrip(store, event) {
    await store.save([event]);
    const { events } = await store.find({ contentType: event.contentType, objectId: event.objectId });
    expect(events).to.have.length(1);
    return events[0];
  }

  it('stores and reads back every field, with unicode everywhere', async () => {
    const store = await openStore(ctx.knex, tables);
    const event = makeEvent({
      contentType: `shop.${UNICODE.slice(0, 5)}`,
      objectId: `ø-${UNICODE.slice(0, 20)}`,
      content: { title: UNICODE, nested: { list: [1, 2.5, -3e-7, true, false, null, 'x'], empty: {}, arr: [] } },
      userId: 'ユーザー-1',
      userRepr: UNICODE,
      url: `https://example.com/${encodeURIComponent(UNICODE)}?q=${UNICODE}`,
      ip: '2001:db8::ff00:42:8329',
      requestId: 'a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d',
      userAgent: `agent ${UNICODE}`,
      queryParams: { q: UNICODE, many: ['a', 'b'] },
      postData: { [UNICODE]: UNICODE, n: 1 },
      headers: { 'Accept-Language': 'de-CH', 'X-Name': UNICODE },
      createdAt: new Date('2024-02-29T23:59:59.987Z'),
    });
    const back = await roundTrip(store, event);
    expect(back).to.deep.equal(event);
    expect(back.createdAt).to.be.instanceOf(Date);
    expect(back.createdAt.getTime()).to.equal(event.createdAt.getTime());
  });

  it('stores nulls as nulls and an empty content object', async () => {
    const store = await openStore(ctx.knex, tables);
    const event = makeEvent({
      content: {},
      userId: null,
      userRepr: null,
      url: null,
      method: null,
      ip: null,
      requestId: null,
      userAgent: null,
      queryParams: null,
      postData: null,
      headers: null,
    });
    expect(await roundTrip(store, event)).to.deep.equal(event);
  });

  it('keeps every kind of JSON value in postData, including strings that look like JSON', async () => {
    const store = await openStore(ctx.knex, tables);
    for (const postData of [
      'plain text body',
      '{"a":1}',
      '"quoted"',
      '123',
      '',
      0,
      123.25,
      -1,
      true,
      false,
      [1, 'a', null],
      { a: [{}] },
    ]) {
      const event = makeEvent({ postData });
      const back = await roundTrip(store, event);
      expect(back.postData, JSON.stringify(postData)).to.deep.equal(postData);
    }
  });

  it('stores big values: 1 MB of content, long URL and user agent', async () => {
    const store = await openStore(ctx.knex, tables);
    const big = 'x'.repeat(256 * 1024) + UNICODE.repeat(2000);
    const event = makeEvent({
      content: { big, rows: Array.from({ length: 2000 }, (_, i) => ({ i, label: `row ${i}` })) },
      url: `https://example.com/?q=${'u'.repeat(100_000)}`,
      userAgent: 'A'.repeat(70_000),
      postData: { blob: 'p'.repeat(300_000) },
    });
    expect(await roundTrip(store, event)).to.deep.equal(event);
  });

  it('makes NUL characters and lone surrogates storable instead of failing the batch', async () => {
    const store = await openStore(ctx.knex, tables);
    const event = makeEvent({
      content: { nul: 'a\u0000b', lone: 'x\ud800y', ['k\u0000']: 1 },
      userAgent: 'ua\u0000',
      postData: 'tail\udc00',
    });
    const back = await roundTrip(store, event);
    // PostgreSQL text and jsonb cannot hold U+0000: it becomes U+FFFD there, kept elsewhere.
    const nul = dialect === 'postgres' ? '\uFFFD' : '\u0000';
    expect(back.content).to.deep.equal({ nul: `a${nul}b`, lone: 'x\uFFFDy', [`k${nul}`]: 1 });
    expect(back.userAgent).to.equal(`ua${nul}`);
    expect(back.postData).to.equal('tail\uFFFD');
  });

  it('stores extra columns of every type in their own columns, read back into event.extra', async () => {
    const store = await openStore(ctx.knex, tables, {
      extraColumns: [
        { name: 'region_id', type: 'string', index: true },
        { name: 'notes', type: 'text' },
        { name: 'shard', type: 'integer' },
        { name: 'big_counter', type: 'bigint' },
        { name: 'flagged', type: 'boolean' },
        { name: 'attrs', type: 'json' },
        { name: 'occurred_at', type: 'timestamp' },
        { name: 'score', type: 'float' },
      ],
    });
    const full = makeEvent({
      extra: {
        region_id: 'acme',
        notes: UNICODE,
        shard: -7,
        big_counter: '9007199254740993', // beyond 2^53: read back as a string, exactly
        flagged: true,
        attrs: { plan: 'gold', seats: [1, 2] },
        occurred_at: new Date('2020-01-02T03:04:05.006Z'),
        score: 0.125,
      },
    });
    expect(await roundTrip(store, full)).to.deep.equal(full);
    const empty = makeEvent({ extra: {} });
    const back = await roundTrip(store, empty);
    expect(back.extra).to.deep.equal({
      region_id: null,
      notes: null,
      shard: null,
      big_counter: null,
      flagged: null,
      attrs: null,
      occurred_at: null,
      score: null,
    });
    const small = makeEvent({ extra: { big_counter: 12, flagged: false } });
    expect((await roundTrip(store, small)).extra).to.include({ big_counter: 12, flagged: false });
    const rows = await ctx.knex(store.tableName).where({ region_id: 'acme' }).select('id');
    expect(rows.map((r) => r.id)).to.deep.equal([full.id]);
  });

  it('maps rows through mapRow (the swappable-model hook) both ways', async () => {
    const store = await openStore(ctx.knex, tables, {
      extraColumns: [{ name: 'tenant', type: 'string' }],
      mapRow: {
        // The app keeps the tenant inside content; the table has a column for it.
        toRow(event, row) {
          const { tenant, ...content } = event.content;
          return { ...row, tenant: tenant ?? null, content: JSON.stringify(content) };
        },
        fromRow(row, event) {
          const { extra: _extra, ...rest } = event;
          return { ...rest, content: { ...event.content, tenant: row.tenant } };
        },
      },
    });
    const event = makeEvent({ content: { tenant: 'acme', a: 1 } });
    await store.save([event]);
    const [row] = await ctx.knex(store.tableName).where({ id: event.id });
    expect(row.tenant).to.equal('acme');
    const { events } = await store.find({ objectId: event.objectId });
    expect(events[0]).to.deep.equal(event);
  });

  it('rejects a malformed event in its own save() only, before it joins a batch', async () => {
    const store = await openStore(ctx.knex, tables, {
      extraColumns: [
        { name: 'tenant', type: 'string', nullable: false },
        { name: 'n', type: 'integer' },
      ],
      lingerMs: 20,
    });
    const good = () => makeEvent({ extra: { tenant: 't' } });
    const bad = [
      [makeEvent({ extra: {} }), /extra\.tenant is required/],
      [makeEvent({ extra: { tenant: 't', n: 'seven' } }), /extra\.n must be a 32-bit integer/],
      [makeEvent({ extra: { tenant: 't' }, objectId: 'x'.repeat(256) }), /objectId is longer than 255/],
      [makeEvent({ extra: { tenant: 't' }, id: 'not-a-uuid' }), /id must be a lowercase UUID/],
      [makeEvent({ extra: { tenant: 't' }, createdAt: new Date('nope') }), /createdAt must be a valid Date/],
      [makeEvent({ extra: { tenant: 't' }, content: [1] }), /content must be a plain object/],
      [makeEvent({ extra: { tenant: 't' }, requestId: 'r'.repeat(129) }), /requestId is longer than 128/],
    ];
    const goodEvents = [good(), good(), good()];
    const results = await Promise.allSettled([
      store.save([goodEvents[0]]),
      ...bad.map(([event]) => store.save([good(), event])),
      store.save([goodEvents[1], goodEvents[2]]),
    ]);
    expect(results[0].status).to.equal('fulfilled');
    expect(results.at(-1).status).to.equal('fulfilled');
    bad.forEach(([, pattern], i) => {
      const result = results[i + 1];
      expect(result.status).to.equal('rejected');
      expect(result.reason).to.be.instanceOf(StoreWriteError);
      expect(result.reason.code).to.equal('AUDIT_STORE_WRITE_FAILED');
      expect(result.reason.eventCount).to.equal(2);
      expect(result.reason.message).to.match(pattern);
      expect(result.reason.cause).to.be.instanceOf(InvalidEventError);
    });
    const [{ n }] = await ctx.knex(store.tableName).count({ n: '*' });
    expect(Number(n)).to.equal(3); // the good ones only: no half-saved call
  });

  it('rejects duplicate ids within one save(), a throwing toRow and an unsafe mapped column name', async () => {
    const event = makeEvent();
    const store = await openStore(ctx.knex, tables);
    const dup = await store.save([event, { ...event }]).catch((e) => e);
    expect(dup).to.be.instanceOf(StoreWriteError);
    expect(dup.message).to.match(/appears twice/);

    const throwing = await openStore(ctx.knex, tables, {
      mapRow: {
        toRow() {
          throw new Error('mapper exploded');
        },
      },
    });
    const thrown = await throwing.save([makeEvent()]).catch((e) => e);
    expect(thrown).to.be.instanceOf(StoreWriteError);
    expect(thrown.message).to.match(/mapper exploded/);

    const unsafe = await openStore(ctx.knex, tables, {
      mapRow: { toRow: (e, row) => ({ ...row, 'x; drop table t': 1 }) },
    });
    const err = await unsafe.save([makeEvent()]).catch((e) => e);
    expect(err).to.be.instanceOf(StoreWriteError);
    expect(err.cause).to.be.instanceOf(InvalidIdentifierError);
    expect(unsafe.stats.failedBatches).to.equal(0); // never reached the database
  });
});

forEachDialect('KnexEventStore JSON depth', (ctx, dialect) => {
  it('rejects only the save() whose content is nested deeper than the database stores; the batch partners are stored', async () => {
    const { KnexEventStore } = await import('@audit-events/knex');
    const { newEventId } = await import('@audit-events/core');
    const table = uniqueTable('depth');
    const store = new KnexEventStore(ctx.knex, { tableName: table, archiveTableName: `${table}_a`, lingerMs: 20 });
    await store.migrate();
    try {
      const event = (content) => ({
        id: newEventId(),
        createdAt: new Date(),
        contentType: 'doc',
        objectId: '1',
        content,
        userId: null,
        userRepr: null,
        url: null,
        method: null,
        ip: null,
        requestId: null,
        userAgent: null,
        queryParams: null,
        postData: null,
        headers: null,
      });
      const nested = (levels) => {
        let deep = { leaf: true };
        for (let i = 1; i < levels; i++) deep = { next: deep };
        return deep;
      };
      // 32 levels: MariaDB's JSON_DEPTH counts the scalar too (33 > 32), so 31 is the most it takes.
      const results = await Promise.allSettled([
        store.save([event({ a: 1 })]),
        store.save([event(nested(41))]),
        store.save([event({ b: 2 })]),
        store.save([event(nested(32))]),
        store.save([event(nested(31))]),
      ]);
      for (const i of [0, 2, 4]) expect(results[i].status, `save ${i}`).to.equal('fulfilled');
      for (const i of [1, 3]) {
        if (dialect === 'mysql') {
          expect(results[i].status, `save ${i}`).to.equal('rejected');
          expect(results[i].reason.code).to.equal('AUDIT_STORE_WRITE_FAILED');
          expect(results[i].reason.message).to.match(/nested deeper than 31/);
        } else {
          expect(results[i].status, `save ${i}`).to.equal('fulfilled');
        }
      }
      const [{ n }] = await ctx.knex(table).count({ n: '*' });
      expect(Number(n)).to.equal(dialect === 'mysql' ? 3 : 5);
    } finally {
      await store.close();
      await ctx.knex.schema.dropTableIfExists(table);
      await ctx.knex.schema.dropTableIfExists(`${table}_a`);
    }
  });
});
