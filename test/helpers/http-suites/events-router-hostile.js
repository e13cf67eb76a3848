// auditEventsRouter over a real KnexEventStore under hostile query strings: forged cursors,
// impossible or out-of-range dates, wrong types, oversize values. Every one is a 400 with
// AUDIT_BAD_QUERY and a message free of SQL, on every dialect; the store's own find() refuses the
// same input when called as a library, before any SQL runs. A fast-check property then sends any
// string for any parameter: 200 or 400, never a 500, never SQL text.
import { expect } from 'chai';
import fc from 'fast-check';
import request from 'supertest';
import { AuditContext, InvalidQueryError } from '@audit-events/core';
import { encodeCursor } from '@audit-events/core/internal';
import { KnexEventStore } from '@audit-events/knex';
import { forEachDialect, uniqueTable } from '../databases.js';

const PROPERTY_RUNS = 300;
const T0 = Date.parse('2024-05-01T10:00:00.000Z');
const SQL_TEXT =
  /\b(select|insert|update|delete)\b.*\b(from|into|set|where)\b|"created_at"|`created_at`|\$\d|syntax error|invalid input|out of range|SQLITE_|ER_/i;
const PARAMETERS = [
  'contentType',
  'objectId',
  'userId',
  'requestId',
  'tenantId',
  'action',
  'outcome',
  'actorType',
  'since',
  'until',
  'limit',
  'cursor',
];

const b64 = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const ID = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

/** Query strings the listing must refuse with 400, whatever the store behind it. */
export const HOSTILE_QUERIES = [
  // forged cursors
  ['cursor', b64([1e300, 'x'])],
  ['cursor', b64([0, 'a\u0000b'])],
  ['cursor', b64([-1e15, ID])],
  ['cursor', b64([8.64e15, ID])],
  ['cursor', b64([-8.64e15, ID])],
  ['cursor', b64([1.5, ID])],
  ['cursor', b64(['1714557600000', ID])],
  ['cursor', b64([null, ID])],
  ['cursor', b64([T0, 5])],
  ['cursor', b64([T0, ID, 'extra'])],
  ['cursor', b64([T0])],
  ['cursor', b64({ createdAt: T0, id: ID })],
  ['cursor', b64([T0, 'x'.repeat(65)])],
  ['cursor', b64([T0, '\ud800'])],
  ['cursor', b64([T0, 'a b'])],
  ['cursor', b64([T0, ''])],
  ['cursor', b64(` [${T0},"${ID}"]`)],
  ['cursor', b64(`[${T0}.0,"${ID}"]`)],
  ['cursor', `${encodeCursor({ createdAt: new Date(T0), id: ID })}==`],
  ['cursor', 'not base64!!'],
  ['cursor', 'A'.repeat(8000)], // oversize (Node itself answers 431 past its 16 KiB header limit)
  ['cursor', b64('[1,')],
  ['cursor', '%00'],
  // impossible calendar dates and times
  ['since', '2024-02-30'],
  ['since', '2023-02-29'],
  ['until', '2024-04-31'],
  ['since', '2024-13-01'],
  ['since', '2024-00-10'],
  ['until', '2024-01-00'],
  ['since', '2024-01-01T24:00:00Z'],
  ['since', '2024-01-01T23:60:00Z'],
  ['since', '2024-01-01T23:59:60Z'],
  ['since', '2024-01-01T10:00:00+24:00'],
  ['since', '2024-01-01T10:00:00+05:60'],
  // out-of-range years and other forms
  ['since', '0000-01-01'],
  ['since', '0001-01-01T00:00:00+00:01'],
  ['until', '9999-12-31T23:59:59.999-00:01'],
  ['since', '+275760-09-13T00:00:00Z'],
  ['since', '-000001-01-01T00:00:00Z'],
  ['since', '99999-01-01'],
  ['since', '1714557600000'],
  ['until', '1e300'],
  ['since', 'Infinity'],
  ['since', '2024-01-01T00:00:00.0000000000Z'],
  ['since', '2024-1-1'],
  ['since', 'Wed, 01 May 2024 10:00:00 GMT'],
  // limits
  ['limit', '1e3'],
  ['limit', '-1'],
  ['limit', '0x10'],
  ['limit', ' 5'],
  ['limit', 'Infinity'],
  ['limit', '99999999999999999999'],
  // lengths
  ['contentType', 'x'.repeat(256)],
  ['objectId', 'x'.repeat(256)],
  ['userId', 'é'.repeat(256)],
  ['requestId', 'x'.repeat(129)],
  ['tenantId', 'x'.repeat(256)],
  ['action', 'x'.repeat(201)],
  // outside their sets
  ['outcome', 'ok'],
  ['outcome', 'SUCCESS'],
  ['actorType', 'robot'],
  ['actorType', 'User'],
  // ages the CLI does not take either
  ['since', '7y'],
  ['until', '-1d'],
  ['since', '99999999999w'],
];

/** Queries that are odd but valid: 200 on every dialect. */
const ODD_BUT_VALID = [
  ['since=0001-01-01', 5],
  ['until=9999-12-31T23:59:59.999Z', 5],
  ['since=2024-02-29', 5],
  ['since=2024-05-01T10:02', 3], // no offset: UTC, whatever the server's time zone
  ['since=2024-05-01T12:02:00%2B02:00', 3],
  ['since=2024-05-01T10:01:59.9991', 3], // past the millisecond rounds up: 10:02:00.000 included, 10:01 not
  ['until=2024-05-01T10:00:00.0001Z', 1],
  [`userId=${encodeURIComponent('a\u0000b')}`, 0],
  ['contentType=%ED%A0%80', 0], // a UTF-8 encoded lone surrogate
  [`objectId=${encodeURIComponent('😀'.repeat(100))}`, 0],
  [`requestId=${encodeURIComponent("' or 1=1 --")}`, 0],
];

async function seed(store) {
  const events = [];
  for (let minute = 0; minute < 5; minute++) {
    const draft = new AuditContext({ store, requestId: `r-${minute}` }).newEvent();
    draft.setContentObject({ type: 'order', id: minute });
    draft.createdAt = new Date(T0 + minute * 60_000);
    draft.content = { minute };
    events.push(await draft.save());
  }
  return events;
}

function expectBadQuery(res, label) {
  expect(res.status, `${label}: ${res.text.slice(0, 300)}`).to.equal(400);
  expect(res.body.error.code, label).to.equal('AUDIT_BAD_QUERY');
  expect(res.body.error.message, label).to.be.a('string').and.not.empty;
  expect(res.text, label).not.to.match(SQL_TEXT);
  expect(res.text.length, label).to.be.below(1000);
}

export function eventsRouterHostileSuite(adapters, title) {
  forEachDialect(`${title}: auditEventsRouter over KnexEventStore, hostile queries`, (ctx) => {
    // A nested describe, so its `after` drops the tables before forEachDialect destroys the pool.
    describe('over a seeded table', () => hostileCases(ctx, adapters));
  });
}

function hostileCases(ctx, adapters) {
  {
    let store;
    const tables = [];
    before(async () => {
      const tableName = uniqueTable('ae_read');
      tables.push(tableName, `${tableName}_arc`);
      store = new KnexEventStore(ctx.knex, { tableName, archiveTableName: `${tableName}_arc` });
      await store.migrate();
      await seed(store);
    });
    after(async () => {
      for (const name of tables) await ctx.knex?.schema.dropTableIfExists(name);
    });

    it('KnexEventStore.find (as a library) refuses forged cursors, impossible dates and wrong types before any SQL', async () => {
      const bad = [
        ...HOSTILE_QUERIES.filter(([key]) => key !== 'limit').map(([key, value]) => ({ [key]: value })),
        { since: new Date(8.64e15) },
        { until: new Date(-1e15) },
        { since: new Date(NaN) },
        { since: 1714557600000 },
        { since: { toISOString: () => '2024-01-01' } },
        { cursor: 42 },
        { cursor: [encodeCursor({ createdAt: new Date(T0), id: ID })] },
        { limit: '5' },
        { limit: 1.5 },
        { objectId: NaN },
        { objectId: Infinity },
        { userId: {} },
        { userId: ['a'] },
        { userID: 'u1' },
        null,
        'contentType=order',
        [],
      ];
      const sql = [];
      const listener = (q) => sql.push(q.sql);
      ctx.knex.on('query', listener);
      try {
        for (const query of bad) {
          const label = JSON.stringify(query)?.slice(0, 120);
          const err = await store.find(query).then(
            () => null,
            (e) => e,
          );
          expect(err, label).to.be.instanceOf(InvalidQueryError);
          expect(err.code, label).to.equal('AUDIT_BAD_QUERY');
          expect(err.message, label).not.to.match(SQL_TEXT);
        }
      } finally {
        ctx.knex.removeListener('query', listener);
      }
      expect(sql, 'SQL run for a refused query').to.deep.equal([]);
    });

    it('KnexEventStore.find accepts the edges of the range and pages with its own cursors', async () => {
      expect((await store.find({ since: new Date('0001-01-01T00:00:00Z') })).events).to.have.length(5);
      expect((await store.find({ until: new Date('9999-12-31T23:59:59.999Z') })).events).to.have.length(5);
      expect((await store.find({ since: '2024-05-01T10:03:00Z' })).events).to.have.length(2);
      const first = await store.find({ limit: 2 });
      const second = await store.find({ limit: 2, cursor: first.nextCursor });
      expect(second.events.map((e) => e.content.minute)).to.deep.equal([2, 1]);
    });

    for (const adapter of adapters) {
      describe(adapter.name, () => {
        const app = () => adapter.router({ store, authorize: () => true, scope: 'all', maxLimit: 100 });

        it('answers 400 AUDIT_BAD_QUERY, without SQL, to every forged cursor, impossible date and bad value', async () => {
          const listener = app();
          for (const [key, value] of HOSTILE_QUERIES) {
            const res = await request(listener).get(`/audit-events?${key}=${encodeURIComponent(value)}`);
            expectBadQuery(res, `${key}=${value.slice(0, 80)}`);
          }
        });

        it('answers 400 to repeated, nested and unknown parameters', async () => {
          const listener = app();
          for (const query of [
            'since=2024-01-01&since=2024-01-02',
            'cursor[a]=1',
            'cursor[]=x',
            'limit[0]=1',
            'Since=2024-01-01',
            '__proto__[x]=1&limit=1x',
          ]) {
            expectBadQuery(await request(listener).get(`/audit-events?${query}`), query);
          }
        });

        it('answers 200 to odd but valid queries, with the right events', async () => {
          const listener = app();
          for (const [query, count] of ODD_BUT_VALID) {
            const res = await request(listener).get(`/audit-events?${query}`);
            expect(res.status, `${query}: ${res.text.slice(0, 300)}`).to.equal(200);
            expect(res.body.events, query).to.have.length(count);
          }
        });

        it(`property: any string for any parameter gives 200 or 400, never a 500 or SQL text (${PROPERTY_RUNS} runs)`, async function () {
          this.timeout(120_000);
          const listener = app();
          const value = fc.oneof(
            fc.string({ maxLength: 40, unit: 'binary' }),
            fc.string({ maxLength: 300 }),
            fc
              .date({ noInvalidDate: false })
              .map((d) => (Number.isNaN(d.getTime()) ? 'Invalid Date' : d.toISOString())),
            fc.tuple(fc.double(), fc.string({ maxLength: 70, unit: 'binary' })).map((pair) => b64(pair)),
            fc
              .tuple(
                fc.integer({ min: -9999, max: 99999 }),
                fc.integer({ min: -5, max: 40 }),
                fc.integer({ min: -5, max: 40 }),
              )
              .map(
                ([y, m, d]) =>
                  `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`,
              ),
          );
          await fc.assert(
            fc.asyncProperty(
              fc.dictionary(fc.constantFrom(...PARAMETERS), value, { minKeys: 1, maxKeys: 3 }),
              async (params) => {
                const query = Object.entries(params)
                  .map(([key, v]) => `${key}=${encodeURIComponent(v.isWellFormed() ? v : v.toWellFormed())}`)
                  .join('&');
                const res = await request(listener).get(`/audit-events?${query}`);
                expect([200, 400], `${query}: ${res.text.slice(0, 300)}`).to.include(res.status);
                expect(res.text, query).not.to.match(SQL_TEXT);
                if (res.status === 400) expect(res.body.error.code).to.equal('AUDIT_BAD_QUERY');
              },
            ),
            { numRuns: PROPERTY_RUNS, endOnFailure: true },
          );
        });
      });
    }
  }
}
