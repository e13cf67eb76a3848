// Load: an Express and a Koa app each take 5,000 requests at concurrency 200 over real HTTP. Every
// request stores one request event (KnexEventStore, group commit) and one permission event
// (DatabaseAuditLogger). Afterwards the database holds exactly one row of each per request.
import { expect } from 'chai';
import { configureAuditLogger } from '@audit-events/core';
import { DatabaseAuditLogger, KnexEventStore } from '@audit-events/knex';
import { forEachDialect, uniqueTable } from '../helpers/databases.js';
import { listen, runLoad } from '../helpers/http-load.js';
import { buildHandler, FRAMEWORKS } from '../fixtures/reliability/app.js';
import { dropTables, eventRows, expectSameSet, permissionRows, unique } from './support.js';

const LOAD_REQUESTS = 5000;
const LOAD_CONCURRENCY = 200;

forEachDialect('reliability: load', (ctx) => {
  const tables = [];
  afterEach(async () => {
    await configureAuditLogger(null);
    await dropTables(ctx.knex, tables);
  });

  for (const framework of FRAMEWORKS) {
    it(`${framework}: ${LOAD_REQUESTS} requests at concurrency ${LOAD_CONCURRENCY} → one event and one permission row each`, async function () {
      const tableName = uniqueTable('rl_load');
      const permTable = uniqueTable('rl_lperm');
      tables.push(tableName, `${tableName}_arc`, permTable);
      const store = new KnexEventStore(ctx.knex, { tableName, archiveTableName: `${tableName}_arc` });
      await store.migrate();
      const logger = new DatabaseAuditLogger({ knex: ctx.knex, tableName: permTable });
      await logger.ensureTable();
      await configureAuditLogger(logger);
      const stats = { handled: 0 };
      // Behind a trusted proxy: the load's X-Request-Ids are adopted, so rows correlate with requests.
      const app = await listen(buildHandler(framework, { store, stats, trustProxy: true }));
      const run = uniqueTable('r');
      let results;
      try {
        ({ results } = await runLoad({
          port: app.port,
          requests: LOAD_REQUESTS,
          concurrency: LOAD_CONCURRENCY,
          request: (i) => ({
            path: `/orders/${i % 97}`,
            headers: { 'x-request-id': `${run}-${i}`, 'x-user': `u${i % 13}` },
          }),
        }));
      } finally {
        await app.close();
      }
      await store.flush();
      await logger.flush();

      const statuses = {};
      for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      expect(statuses).to.deep.equal({ 200: LOAD_REQUESTS });
      const sent = new Set(results.map((r) => `${run}-${r.i}`));
      expect(sent.size).to.equal(LOAD_REQUESTS);
      // Each answer names its stored event: the row must be there under that request id.
      const answered = new Map(results.map((r) => [r.json.requestId, r.json.eventId]));

      const rows = await eventRows(ctx.knex, tableName);
      expect(rows).to.have.length(LOAD_REQUESTS);
      unique(
        rows.map((r) => r.id),
        'event ids',
      );
      const byRequest = new Map(rows.map((r) => [r.request_id, r.id]));
      expectSameSet(new Set(byRequest.keys()), sent, 'request ids of the stored events');
      for (const [requestId, eventId] of answered) expect(byRequest.get(requestId)).to.equal(eventId);

      const perms = await permissionRows(ctx.knex, permTable);
      expect(perms).to.have.length(LOAD_REQUESTS);
      unique(
        perms.map((p) => String(p.id)),
        'permission row ids',
      );
      const permRequests = perms.map((p) => p.metadata.request_id);
      expectSameSet(unique(permRequests, 'permission events per request'), sent, 'request ids of the permission rows');
      expect(logger.writtenCount).to.equal(LOAD_REQUESTS);
      expect(logger.droppedCount + logger.failedCount).to.equal(0);
      expect(store.stats.events).to.equal(LOAD_REQUESTS);
      expect(store.stats.failedEvents + store.stats.timedOutEvents).to.equal(0);
      this.test.title += ` (${store.stats.batches} batches)`;
    });
  }
});
