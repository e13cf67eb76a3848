// `audit-events report html` on an app that stores request events but logs no permission
// decisions to the database (issue 19 item 4): the page shows the request events and says the
// decisions are absent, instead of the command failing for want of a permission table.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import knexFactory from 'knex';
import { emptyDir, runCli, seed } from '../cli/harness.js';
import { dumpDom, requireChromium } from './support.js';

function island(html) {
  return JSON.parse(/<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)[1]);
}

describe('audit-events report html with request events only', () => {
  const dir = emptyDir();
  const db = `sqlite:${join(dir, 'audit.db')}`;

  before(async () => {
    expect((await runCli(['migrate', '--db', db])).code).to.equal(0);
    const knex = knexFactory({
      client: 'sqlite3',
      connection: { filename: join(dir, 'audit.db') },
      useNullAsDefault: true,
    });
    try {
      await seed(knex, {}, 3, 1);
    } finally {
      await knex.destroy();
    }
  });

  it('renders the request events and says the permission decisions are absent', async function () {
    const out = join(dir, 'events.html');
    const r = await runCli(['report', 'html', '--db', db, '--out', out]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal(
      `wrote ${out}: no permission decisions, 3 request events, latest request events of 1 content type\n`,
    );
    expect(r.stderr).to.equal('warning: permission_audit_log does not exist; the report has request events only\n');
    const html = readFileSync(out, 'utf8');
    expect(html).to.include('<title>Audit report</title>');
    expect(html).to.include('No permission decisions: permission_audit_log does not exist');
    expect(html).to.match(/<h3 data-content-type="shop.order" data-count="3">/);
    expect(html).not.to.include('id="timeline-chart"');
    const data = island(html);
    expect(data.decisions.note).to.include('permission_audit_log does not exist');
    expect(data).not.to.have.property('timeline');
    expect(data.events.types.map((t) => [t.contentType, t.total])).to.deep.equal([['shop.order', 3]]);

    const json = await runCli(['report', 'html', '--db', db, '--out', out, '--json']);
    expect(JSON.parse(json.stdout)).to.include({ ok: true, decisions: null, contentTypes: 1, requestEvents: 3 });

    const bin = requireChromium(this);
    expect(await dumpDom(bin, out)).to.match(/data-script="ready"/);
  });

  it('a permission table named explicitly must exist: a typo is a failure (exit 4), not an empty section', async () => {
    const r = await runCli(['report', 'html', '--db', db, '--table', 'permision_log', '--out', join(dir, 'typo.html')]);
    expect(r.code).to.equal(4);
    expect(r.stderr).to.include('permision_log does not exist');
    const env = await runCli(['report', 'html', '--db', db, '--out', join(dir, 'typo.html')], {
      env: { AUDIT_EVENTS_PERMISSION_TABLE: 'permision_log' },
    });
    expect(env.code).to.equal(4);
  });

  it('an empty events table is said in words', async () => {
    const empty = emptyDir();
    const db = `sqlite:${join(empty, 'empty.db')}`;
    expect((await runCli(['migrate', '--db', db])).code).to.equal(0);
    const r = await runCli(['report', 'html', '--db', db, '--out', join(empty, 'r.html')]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal(`wrote ${join(empty, 'r.html')}: no permission decisions, no request events\n`);
  });

  it('with neither table there is nothing to report: exit 4, naming both', async () => {
    const empty = emptyDir();
    const r = await runCli([
      'report',
      'html',
      '--db',
      `sqlite:${join(empty, 'none.db')}`,
      '--out',
      join(empty, 'r.html'),
    ]);
    expect(r.code).to.equal(4);
    expect(r.stderr).to.include('permission_audit_log does not exist');
    expect(r.stderr).to.include('nor does the request events table audit_events');
  });
});
