// The HTML report's request-events section (issue 17 item 6): counts per outcome, action, tenant,
// actor type and content type over the window, the latest denied and failed events, and
// --tenant-id limiting all of it, from request events alone (no permission table). Counted in
// the database on every dialect; rendered in headless Chromium once.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidQueryError } from '@audit-events/core';
import { KnexEventStore, summarizeRequestEvents } from '@audit-events/knex';
import { forEachDialect, uniqueTable } from '../helpers/databases.js';
import { makeEvent } from '../knex/support.js';
import { dbUrl, emptyDir, runCli } from '../cli/harness.js';
import { dropTables, dumpDom, requireChromium } from './support.js';

const T0 = Date.UTC(2025, 5, 1, 12);
const XSS_REASON = '<img src=x onerror="document.title=\'pwned\'">';

/** [tenant, action, outcome, actorType, userId, reason] per event, a minute apart; null fields are legacy rows. */
const PLAN = [
  ['acme', 'order.created', 'success', 'user', 'u1', null],
  ['acme', 'order.created', 'success', 'user', 'u1', null],
  ['acme', 'order.created', 'success', 'user', 'u2', null],
  ['acme', 'order.deleted', 'denied', 'api_key', 'k1', 'key lacks scope'],
  ['acme', 'order.deleted', 'denied', 'api_key', 'k1', XSS_REASON],
  ['globex', 'invoice.paid', 'failure', 'service', 'billing', 'card declined'],
  ['globex', 'invoice.paid', 'success', 'system', null, null],
  ['globex', 'invoice.paid', 'success', 'system', null, null],
  // Rows from before the audit-model columns: defaults apply (success; user with an id, else anonymous).
  [null, null, null, null, 'u3', null],
  [null, null, null, null, 'u3', null],
  [null, null, null, null, null, null],
  [null, null, null, null, null, null],
];

async function seedEvents(knex, tableName) {
  const store = new KnexEventStore(knex, { tableName, archiveTableName: `${tableName}_archive` });
  await store.migrate();
  const events = PLAN.map(([, action], i) =>
    makeEvent({
      createdAt: new Date(T0 + i * 60_000),
      contentType: action === null ? 'legacy.thing' : action.split('.')[0],
      userId: PLAN[i][4],
    }),
  );
  // One event before the window the tests use (--since T0).
  events.push(makeEvent({ createdAt: new Date(T0 - 86_400_000), contentType: 'order', userId: 'u1' }));
  await store.save(events);
  await store.close();
  // The audit-model columns as the upgrade migration adds them, written the way a backfill
  // would: the test works against tables from before and after that migration alike.
  for (const [column, length] of [
    ['tenant_id', 255],
    ['action', 200],
    ['outcome', 16],
    ['actor_type', 16],
  ]) {
    if (!(await knex.schema.hasColumn(tableName, column)))
      await knex.schema.alterTable(tableName, (t) => t.string(column, length).nullable());
  }
  if (!(await knex.schema.hasColumn(tableName, 'reason')))
    await knex.schema.alterTable(tableName, (t) => t.text('reason').nullable());
  for (let i = 0; i < PLAN.length; i++) {
    const [tenant_id, action, outcome, actor_type, , reason] = PLAN[i];
    await knex(tableName).where('id', events[i].id).update({ tenant_id, action, outcome, actor_type, reason });
  }
  await knex(tableName)
    .where('id', events[PLAN.length].id)
    .update({ tenant_id: 'acme', action: 'order.created', outcome: 'denied', actor_type: 'user' });
  return events;
}

const pairs = (rows) => rows.map((r) => [r.value, r.count]);

forEachDialect('request events summary', (ctx, dialect) => {
  const table = uniqueTable('rsum');
  let events;
  before(async () => {
    events = await seedEvents(ctx.knex, table);
  });
  after(() => dropTables(ctx, table, `${table}_archive`));

  it("counts per dimension over the window, old rows with the readers' defaults", async () => {
    const s = await summarizeRequestEvents(ctx.knex, { tableName: table, since: new Date(T0) });
    expect(s.total).to.equal(12);
    expect(pairs(s.byOutcome)).to.deep.equal([
      ['success', 9],
      ['denied', 2],
      ['failure', 1],
    ]);
    expect(pairs(s.byAction)).to.deep.equal([
      [null, 4],
      ['invoice.paid', 3],
      ['order.created', 3],
      ['order.deleted', 2],
    ]);
    expect(pairs(s.byTenant)).to.deep.equal([
      ['acme', 5],
      [null, 4],
      ['globex', 3],
    ]);
    expect(pairs(s.byActorType)).to.deep.equal([
      ['user', 5],
      ['anonymous', 2],
      ['api_key', 2],
      ['system', 2],
      ['service', 1],
    ]);
    expect(pairs(s.byContentType)).to.deep.equal([
      ['order', 5],
      ['legacy.thing', 4],
      ['invoice', 3],
    ]);
    expect(s.unsuccessfulTotal).to.equal(3);
    expect(s.unsuccessful.map((e) => [e.id, e.outcome, e.reason])).to.deep.equal([
      [events[5].id, 'failure', 'card declined'],
      [events[4].id, 'denied', XSS_REASON],
      [events[3].id, 'denied', 'key lacks scope'],
    ]);
  });

  it('a tenant sees its own events only; the window and the list limit apply', async () => {
    const acme = await summarizeRequestEvents(ctx.knex, { tableName: table, tenantId: 'acme', maxListed: 1 });
    expect(acme.total).to.equal(6); // five in the window, one before it
    expect(pairs(acme.byTenant)).to.deep.equal([['acme', 6]]);
    expect(acme.unsuccessfulTotal).to.equal(3);
    expect(acme.unsuccessful.map((e) => e.id)).to.deep.equal([events[4].id]);
    const none = await summarizeRequestEvents(ctx.knex, { tableName: table, tenantId: 'initech' });
    expect(none).to.deep.include({ total: 0, byOutcome: [], unsuccessfulTotal: 0, unsuccessful: [] });
    for (const bad of [{ tenantId: '' }, { maxGroups: 0 }, { maxListed: 1001 }, { since: new Date('nope') }]) {
      let err;
      await summarizeRequestEvents(ctx.knex, { tableName: table, ...bad }).catch((e) => (err = e));
      expect(err, JSON.stringify(bad)).to.be.instanceOf(InvalidQueryError);
    }
  });

  it('`report html` with request events alone: the section, --tenant-id, escaped, checked in Chromium', async function () {
    const dir = emptyDir();
    const out = join(dir, 'acme.html');
    const r = await runCli([
      'report',
      'html',
      '--db',
      dbUrl(dialect, ctx),
      '--events-table',
      table,
      '--since',
      new Date(T0).toISOString(),
      '--tenant-id',
      'acme',
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal(
      `wrote ${out}: no permission decisions, 5 request events, latest request events of 1 content type\n`,
    );
    const html = readFileSync(out, 'utf8');
    const data = JSON.parse(/<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)[1]);
    expect(data.tenantId).to.equal('acme');
    expect(data.requestSummary).to.include({ total: 5, unsuccessfulTotal: 2 });
    expect(pairs(data.requestSummary.byOutcome)).to.deep.equal([
      ['success', 3],
      ['denied', 2],
    ]);
    // No other tenant anywhere in the page: not in the counts, not in the latest events.
    expect(html).to.not.include('globex');
    expect(data.events.types.flatMap((t) => t.events.map((e) => e.id)).sort()).to.deep.equal(
      events
        .slice(0, 5)
        .map((e) => e.id)
        .sort(),
    );
    expect(html).to.include('id="request-byOutcome"');
    expect(html).to.match(/<tr data-value="denied" data-count="2">/);
    expect(html).to.not.include(XSS_REASON);
    expect(html).to.include('&lt;img src=x onerror=&quot;document.title=&#39;pwned&#39;&quot;&gt;');
    if (dialect !== 'sqlite' || ctx.driver !== 'sqlite3') return;
    const bin = requireChromium(this);
    const dom = await dumpDom(bin, out);
    expect(dom).to.match(/data-script="ready"/);
    expect(dom).to.match(/data-summary="ready"/);
    expect(dom).to.not.match(/<title>pwned/);
  });
});
