// Shutdown: a real server process under load gets SIGTERM. It must stop accepting, answer every
// request already in flight, flush the store and the permission logger, and exit 0 by itself.
// Afterwards: stored events = acknowledged (2xx) requests, permission rows = acknowledged
// requests, and no client ever saw a 5xx.
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import knexFactory from 'knex';
import { ensurePermissionAuditTable, KnexEventStore, sqliteKnexConfig } from '@audit-events/knex';
import { forEachDialect, tempDir, uniqueTable } from '../helpers/databases.js';
import { runLoad } from '../helpers/http-load.js';
import { startNode } from '../helpers/child-process.js';
import { FRAMEWORKS } from '../fixtures/reliability/app.js';
import { dropTables, eventRows, expectSameSet, permissionRows, unique } from './support.js';

const SERVER = fileURLToPath(new URL('../fixtures/reliability/server.mjs', import.meta.url));
const ONCE_SIGTERM = fileURLToPath(new URL('../fixtures/reliability/once-sigterm.mjs', import.meta.url));
const ACKED_BEFORE_SIGTERM = 400;
const CONCURRENCY = 40;
/** Network errors a client may see once the server stopped accepting; anything else is a failure. */
const CLOSED = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE']);

forEachDialect('reliability: graceful shutdown of a server process under load', (ctx, dialect) => {
  const tables = [];
  let knex;
  let filename;
  before(() => {
    // SQLite: a WAL file shared with the server process; the servers: the suite's connection.
    if (dialect === 'sqlite') {
      filename = join(tempDir(), `${uniqueTable('shutdown')}.sqlite`);
      knex = knexFactory(sqliteKnexConfig(filename, { driver: ctx.driver }));
    } else {
      knex = ctx.knex;
    }
  });
  afterEach(() => dropTables(knex, tables));
  after(async () => {
    if (dialect === 'sqlite') await knex.destroy();
  });

  for (const framework of FRAMEWORKS) {
    it(`${framework}: SIGTERM → in-flight requests answered, everything flushed, exit 0; stored = acknowledged`, async function () {
      const tableName = uniqueTable('rl_sd');
      const permTable = uniqueTable('rl_sdperm');
      tables.push(tableName, `${tableName}_arc`, permTable);
      await new KnexEventStore(knex, { tableName, archiveTableName: `${tableName}_arc` }).migrate();
      await ensurePermissionAuditTable(knex, permTable);

      const server = startNode(SERVER, [
        JSON.stringify({ dialect, driver: ctx.driver, filename, tableName, permTable, framework, delayMs: 15 }),
      ]);
      const listening = await server.waitFor(/^listening \d+$/);
      expect(listening, server.stderr()).to.be.a('string');
      const port = Number(listening.split(' ')[1]);

      let exited = false;
      server.exited.then(() => (exited = true));
      let acked = 0;
      let signalAt = Infinity;
      const run = uniqueTable('s');
      const { results } = await runLoad({
        port,
        concurrency: CONCURRENCY,
        until: () => exited,
        request: (i) => ({ path: `/orders/${i % 17}`, headers: { 'x-request-id': `${run}-${i}`, 'x-user': 'u7' } }),
        pauseAfter: (r) => {
          if (r.status === 200 && ++acked === ACKED_BEFORE_SIGTERM) {
            signalAt = performance.now();
            server.child.kill('SIGTERM');
          }
          return r.status === 0 ? 10 : 0; // refused: a client retries a little later
        },
      });
      const { code, signal } = await server.exited;
      expect({ code, signal }, server.stderr()).to.deep.equal({ code: 0, signal: null });
      const closedLine = server.lines.find((l) => l.startsWith('closed '));
      expect(closedLine, server.lines.join('\n')).to.be.a('string');
      const counters = JSON.parse(closedLine.slice(7));
      expect(server.stderr()).not.to.match(/lost \d+ permission audit event/);

      // Clients saw answers (200) or a closed door, never a server error.
      const other = results.filter((r) => r.status !== 200 && !(r.status === 0 && CLOSED.has(r.error?.code)));
      expect(other.map((r) => r.status || r.error?.code)).to.deep.equal([]);
      const ok = results.filter((r) => r.status === 200);
      // Requests that were in flight when the signal arrived were answered.
      const inFlightAnswered = ok.filter((r) => r.sentAt < signalAt && r.sentAt + r.ms > signalAt).length;
      expect(inFlightAnswered, 'in-flight requests answered after SIGTERM').to.be.above(0);

      const ackedIds = unique(
        ok.map((r) => r.json.requestId),
        'acknowledged request ids',
      );
      const rows = await eventRows(knex, tableName);
      unique(
        rows.map((r) => r.id),
        'event ids',
      );
      expectSameSet(
        unique(
          rows.map((r) => r.request_id),
          'events per request',
        ),
        ackedIds,
        'stored events vs acknowledged requests',
      );
      const perms = await permissionRows(knex, permTable);
      expectSameSet(
        unique(
          perms.map((p) => p.metadata.request_id),
          'permission rows per request',
        ),
        ackedIds,
        'permission rows vs acknowledged requests',
      );
      expect(counters.handled).to.equal(ackedIds.size);
      expect(counters.logger).to.deep.equal({ written: ackedIds.size, failed: 0, dropped: 0 });
      this.test.title += ` [${ackedIds.size} acknowledged, ${inFlightAnswered} of them in flight at SIGTERM, ${results.length - ok.length} refused]`;
    });
  }
});

describe('reliability: an app that handles SIGTERM with process.once()', function () {
  it('keeps its graceful shutdown: the loggers flush on the signal without re-raising it under the app (exit 0, nothing lost)', async function () {
    const file = join(tempDir(), `${uniqueTable('once')}.ndjson`);
    const child = startNode(ONCE_SIGTERM, [file]);
    const { code, signal } = await child.exited;
    expect({ code, signal }, child.stderr()).to.deep.equal({ code: 0, signal: null });
    expect(child.lines).to.deep.equal(['shutdown started', 'shutdown finished: 3 written']);
  });
});
