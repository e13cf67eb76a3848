// Reports per tenant (issue 17 item 6): `--by tenant` groups decisions by their `tenant_id`, and
// `tenantId` (`--tenant-id`) limits every report to one tenant, in the NDJSON back end and in the
// database's GROUP BY alike, on every dialect.
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createPermissionAuditEvent,
  defineBypassReport,
  defineDeniedReport,
  defineTimelineReport,
  InvalidQueryError,
  runReports,
  serializeEvent,
} from '@audit-events/core';
import { DatabaseAuditLogger, queryReports } from '@audit-events/knex';
import { forEachDialect, uniqueTable } from '../helpers/databases.js';
import { runCli } from '../cli/harness.js';
import { dropTables, tempDir } from './support.js';

const TENANT_OF_USER = { 2: 'acme', 3: 'globex' };
const START = Date.UTC(2025, 4, 1, 9);

/** 24 decisions: alice (acme) 10 with 4 denied, bob (globex) 8 with 3 denied, anonymous 6 with 2 denied (no tenant), 2 bypasses in acme. */
function decisions() {
  const plan = [
    [10, 2, 'alice', 4, 'Project', 2],
    [8, 3, 'bob', 3, 'Task', 0],
    [6, null, null, 2, 'Project', 0],
  ];
  const out = [];
  let minute = 0;
  for (const [count, userId, username, denied, manager, bypassed] of plan) {
    for (let i = 0; i < count; i++) {
      const bypass = i >= count - bypassed;
      out.push(
        createPermissionAuditEvent({
          action: 'update',
          attributes: [i % 2 ? 'budget' : 'name'],
          granted: i >= denied,
          bypassed: bypass,
          manager,
          timestamp: new Date(START + minute++ * 60_000),
          user: userId === null ? null : { id: userId, username },
          tenantId: TENANT_OF_USER[userId] ?? null,
        }),
      );
    }
  }
  return out;
}

/** A decision's NDJSON record, as FileAuditLogger writes it (`tenant_id` included). */
function line(event) {
  const record = serializeEvent(event);
  expect(record.tenant_id).to.equal(event.tenantId);
  return record;
}

const DEFINITIONS = [
  defineDeniedReport({ by: ['tenant'] }),
  defineDeniedReport({ by: ['tenant', 'manager'] }),
  defineDeniedReport({ by: ['manager'], tenantId: 'acme' }),
  defineDeniedReport({ by: ['tenant'], tenantId: 'nobody' }),
  defineBypassReport({ by: ['tenant_id'] }),
  defineTimelineReport({ tenantId: 'globex', bucket: 'day' }),
];

describe('reports by tenant over NDJSON', () => {
  it('group by tenant and filter by tenant', async () => {
    const { results, invalid } = await runReports(DEFINITIONS, decisions().map(line));
    expect(invalid).to.equal(0);
    const [byTenant, byTenantManager, acme, nobody, bypasses, globexTimeline] = results;
    expect(byTenant.rows.map((r) => [r.tenant_id, r.count])).to.deep.equal([
      ['acme', 4],
      ['globex', 3],
      [null, 2],
    ]);
    expect(byTenantManager.rows.map((r) => [r.tenant_id, r.manager, r.count])).to.deep.equal([
      ['acme', 'Project', 4],
      ['globex', 'Task', 3],
      [null, 'Project', 2],
    ]);
    expect(acme).to.include({ total: 4, tenantId: 'acme' });
    expect(acme.rows.map((r) => [r.manager, r.count])).to.deep.equal([['Project', 4]]);
    expect(nobody).to.include({ total: 0 });
    expect(bypasses.rows.map((r) => [r.tenant_id, r.count])).to.deep.equal([['acme', 2]]);
    expect(globexTimeline.totals).to.deep.equal({ decisions: 8, granted: 5, denied: 3, bypassed: 0 });
    expect(globexTimeline.tenantId).to.equal('globex');
  });

  it('a log without tenant_id (older loggers) counts under tenant null, and a non-string tenant is not a decision', async () => {
    const lines = decisions().map((e) => {
      const { tenant_id: _dropped, ...older } = serializeEvent(e);
      return older;
    });
    const { results } = await runReports([defineDeniedReport({ by: ['tenant'] })], lines);
    expect(results[0].rows.map((r) => [r.tenant_id, r.count])).to.deep.equal([[null, 9]]);
    const bad = await runReports([defineDeniedReport({ by: ['tenant'] })], [{ ...lines[0], tenant_id: { a: 1 } }]);
    expect(bad.invalid).to.equal(1);
  });

  it('refuses a tenant id that is not a non-empty string', () => {
    for (const tenantId of ['', 7, 'x'.repeat(256)])
      expect(() => defineDeniedReport({ tenantId })).to.throw(InvalidQueryError);
  });

  it('`report denied --by tenant --tenant-id` on a log file', async () => {
    const dir = tempDir();
    const file = join(dir, 'permission.log');
    writeFileSync(
      file,
      decisions()
        .map((e) => JSON.stringify(line(e)))
        .join('\n') + '\n',
    );
    const all = await runCli(['report', 'denied', '--file', file, '--by', 'tenant,manager', '--format', 'csv']);
    expect(all.code, all.stderr).to.equal(0);
    expect(all.stdout.split('\n').slice(0, 4)).to.deep.equal([
      'tenant_id,manager,count,first_at,last_at',
      'acme,Project,4,2025-05-01T09:00:00.000Z,2025-05-01T09:03:00.000Z',
      'globex,Task,3,2025-05-01T09:10:00.000Z,2025-05-01T09:12:00.000Z',
      ',Project,2,2025-05-01T09:18:00.000Z,2025-05-01T09:19:00.000Z',
    ]);
    const one = await runCli(['report', 'denied', '--file', file, '--by', 'tenant', '--tenant-id', 'globex']);
    expect(one.code, one.stderr).to.equal(0);
    expect(one.stdout).to.match(/denied decisions by tenant: 3 in all time, tenant "globex"/);
    expect(one.stdout).to.match(/globex\s+3/);
    expect(one.stdout).to.not.include('acme');
    const json = await runCli([
      'report',
      'bypasses',
      '--file',
      file,
      '--by',
      'tenant',
      '--tenant-id',
      'acme',
      '--json',
    ]);
    expect(JSON.parse(json.stdout)).to.deep.include({ total: 2, tenantId: 'acme' });
    const html = await runCli([
      'report',
      'html',
      '--file',
      file,
      '--tenant-id',
      'acme',
      '--out',
      join(dir, 'acme.html'),
      '--json',
    ]);
    expect(html.code, html.stderr).to.equal(0);
    expect(JSON.parse(html.stdout)).to.include({ decisions: 10, denied: 4, bypassed: 2 });
    expect(readFileSync(join(dir, 'acme.html'), 'utf8')).to.include('<b id="tenant-filter">acme</b>');
    const bad = await runCli(['report', 'denied', '--file', file, '--by', 'tenant,planet']);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.include('manager, attribute, action, user, tenant');
  });
});

forEachDialect('reports by tenant in the database', (ctx) => {
  const table = uniqueTable('rep_ten');
  before(async () => {
    const logger = new DatabaseAuditLogger({ knex: ctx.knex, tableName: table, flushOnExit: false });
    for (const event of decisions()) logger.record(event);
    await logger.close();
    // DatabaseAuditLogger stores each decision's tenant in its tenant_id column.
    expect((await ctx.knex(table).where('tenant_id', 'acme').count({ n: '*' }))[0].n).to.satisfy(
      (n) => Number(n) === 10,
    );
  });
  after(() => dropTables(ctx, table));

  it('equal the NDJSON reports of the same decisions, field for field', async () => {
    const { results: fromDb } = await queryReports(ctx.knex, DEFINITIONS, { tableName: table });
    const { results } = await runReports(DEFINITIONS, decisions().map(line));
    expect(fromDb).to.deep.equal(results);
    expect(fromDb[0].rows.map((r) => [r.tenant_id, r.count])).to.deep.equal([
      ['acme', 4],
      ['globex', 3],
      [null, 2],
    ]);
  });
});
