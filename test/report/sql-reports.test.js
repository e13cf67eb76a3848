// The same reports computed by the database (GROUP BY over DatabaseAuditLogger's table) on
// SQLite, MariaDB and PostgreSQL: they must equal the fixture's hand-counted numbers AND the
// NDJSON reports of the same decisions, field for field.
import { expect } from 'chai';
import {
  createPermissionAuditEvent,
  defineBypassReport,
  defineDeniedReport,
  defineRegressionReport,
  defineTimelineReport,
  newEventId,
  readPermissionLog,
  runReports,
  serializeEvent,
} from '@audit-events/core';
import {
  DatabaseAuditLogger,
  KnexEventStore,
  latestEventsByContentType,
  queryReport,
  queryReports,
} from '@audit-events/knex';
import { queryTallies } from '@audit-events/knex/internal';
import { EXPECTED, XSS_USER } from '../fixtures/report/decisions.js';
import { forEachDialect, uniqueTable } from '../helpers/databases.js';
import { dropTables, seedPermissionTable, writeFixtureLog } from './support.js';

const DEFINITIONS = [
  defineDeniedReport(),
  defineDeniedReport({ by: ['manager'] }),
  defineDeniedReport({
    by: ['user', 'action'],
    since: new Date('2025-03-01T09:00:00Z'),
    until: new Date('2025-03-03T09:30:00Z'),
  }),
  defineBypassReport(),
  defineBypassReport({ by: ['manager', 'attribute'] }),
  defineTimelineReport(),
  defineTimelineReport({ bucket: 'hour' }),
  defineTimelineReport({ bucket: 'day', since: new Date('2025-03-01T09:20:00Z') }),
  defineRegressionReport({ baseline: 'v1', candidate: 'v2' }),
  defineRegressionReport({ baseline: 'v2', candidate: 'v1', threshold: 0 }),
];

let fileResults;
before(async () => {
  ({ results: fileResults } = await runReports(DEFINITIONS, readPermissionLog(await writeFixtureLog())));
});

forEachDialect('reports computed in the database', (ctx, dialect) => {
  const table = uniqueTable('rep_pal');
  const events = uniqueTable('rep_ev');
  before(async () => {
    if (!ctx.knex) return;
    await seedPermissionTable(ctx.knex, table);
  });
  after(() => dropTables(ctx, table, events, `${events}_archive`));

  it('give the hand-counted numbers', async () => {
    const { results, invalid } = await queryReports(ctx.knex, DEFINITIONS, { tableName: table });
    expect(invalid).to.equal(0);
    const [denied, byManager, , bypasses, , timeline, , , regressions] = results;
    expect(denied.total).to.equal(EXPECTED.totals.denied);
    expect(denied.rows.map((r) => [r.manager, r.attribute, r.count])).to.deep.equal(EXPECTED.deniedByManagerAttribute);
    expect(byManager.rows.map((r) => [r.manager, r.count])).to.deep.equal(EXPECTED.deniedByManager);
    expect(bypasses.rows.map((r) => [r.user_id, r.user_repr, r.count])).to.deep.equal(EXPECTED.bypassesByUser);
    expect(timeline.totals).to.deep.equal(EXPECTED.totals);
    expect(timeline.rows).to.deep.equal(EXPECTED.timelineByDay);
    expect(regressions).to.include({ flagged: 2, baseline_decisions: 47, candidate_decisions: 52 });
  });

  it('equal the NDJSON reports of the same decisions, field for field', async () => {
    const { results } = await queryReports(ctx.knex, DEFINITIONS, { tableName: table });
    for (let i = 0; i < DEFINITIONS.length; i++) expect(results[i], `report ${i}`).to.deep.equal(fileResults[i]);
  });

  it('group in the database: the query returns groups, not decisions', async () => {
    const tallies = await queryTallies(ctx.knex, table, defineDeniedReport({ by: ['manager'] }).query);
    expect(tallies.map((t) => t.count).sort((a, b) => b - a)).to.deep.equal([8, 7, 2, 1]);
    const regression = await queryTallies(
      ctx.knex,
      table,
      defineRegressionReport({ baseline: 'v1', candidate: 'v2' }).query,
    );
    // One row per deployment × manager × attribute list × outcome: 19 groups for 99 decisions.
    expect(regression).to.have.length(19);
    expect(regression.reduce((n, t) => n + t.count, 0)).to.equal(99);
  });

  it('count only string deployments, on both back ends alike', async () => {
    const odd = uniqueTable('rep_odd');
    const logger = new DatabaseAuditLogger({ knex: ctx.knex, tableName: odd, flushOnExit: false });
    const decisions = [
      { deployment: 'v1', granted: false },
      { deployment: 'v2', granted: false },
      { deployment: 7, granted: false },
      { deployment: { name: 'v1' }, granted: false },
      { deployment: null, granted: false },
      { deployment: 'v2', granted: true },
    ].map((d, i) =>
      createPermissionAuditEvent({
        action: 'update',
        attributes: ['a'],
        granted: d.granted,
        manager: 'M',
        metadata: { deployment: d.deployment },
        timestamp: new Date(Date.UTC(2025, 0, 1, 0, i)),
      }),
    );
    for (const event of decisions) logger.record(event);
    await logger.close();
    try {
      const definition = defineRegressionReport({ baseline: 'v1', candidate: 'v2' });
      const fromDb = await queryReport(ctx.knex, definition, { tableName: odd });
      const { results } = await runReports(
        [definition],
        decisions.map((e) => serializeEvent(e)),
      );
      expect(fromDb).to.deep.equal(results[0]);
      expect(fromDb).to.include({ baseline_decisions: 1, candidate_decisions: 2 });
    } finally {
      await ctx.knex.schema.dropTableIfExists(odd);
    }
  });

  it('read the latest request events per content type, most recently active type first', async () => {
    const store = new KnexEventStore(ctx.knex, { tableName: events, archiveTableName: `${events}_archive` });
    await store.migrate();
    const base = Date.UTC(2025, 2, 3, 12);
    const make = (i, contentType, userRepr = 'alice') => ({
      id: newEventId(base + i * 1000),
      createdAt: new Date(base + i * 1000),
      contentType,
      objectId: String(i),
      content: { n: i },
      userId: '2',
      userRepr,
      url: `https://shop.example/orders/${i}`,
      method: 'PATCH',
      ip: '10.0.0.1',
      requestId: `req-${i}`,
      userAgent: null,
      queryParams: null,
      postData: null,
      headers: null,
    });
    await store.save([
      ...Array.from({ length: 7 }, (_, i) => make(i, 'shop.order')),
      make(10, 'shop.invoice', XSS_USER),
      make(3, 'auth.user'),
    ]);
    await store.close();
    const latest = await latestEventsByContentType(ctx.knex, { tableName: events, perType: 3 });
    expect(latest.map((t) => [t.contentType, t.total, t.events.length])).to.deep.equal([
      ['shop.invoice', 1, 1],
      ['shop.order', 7, 3],
      ['auth.user', 1, 1],
    ]);
    expect(latest[1].events.map((e) => e.objectId)).to.deep.equal(['6', '5', '4']);
    expect(latest[1].lastAt.toISOString()).to.equal(new Date(base + 6000).toISOString());
    expect(latest[0].events[0]).to.include({ userRepr: XSS_USER, requestId: 'req-10' });
    const limited = await latestEventsByContentType(ctx.knex, { tableName: events, maxTypes: 1, perType: 1 });
    expect(limited.map((t) => t.contentType)).to.deep.equal(['shop.invoice']);
  });

  if (dialect === 'sqlite') {
    it('refuses bad table names and limits before any SQL', async () => {
      let error;
      try {
        await queryReport(ctx.knex, defineDeniedReport(), { tableName: 'x; drop table y' });
      } catch (err) {
        error = err;
      }
      expect(error).to.have.property('code', 'AUDIT_BAD_IDENTIFIER');
      error = undefined;
      try {
        await latestEventsByContentType(ctx.knex, { perType: 0 });
      } catch (err) {
        error = err;
      }
      expect(error).to.have.property('code', 'AUDIT_BAD_QUERY');
    });
  }
});
