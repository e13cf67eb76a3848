// `audit-events report html`: one self-contained page, checked as text and in a real headless
// Chromium (Debian's `chromium`, driven by its --dump-dom and --screenshot flags): the page's
// script runs under its own CSP, the charts carry the fixture's counts, and hostile names stay text.
import { expect } from 'chai';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newEventId } from '@audit-events/core';
import { KnexEventStore } from '@audit-events/knex';
import { EXPECTED, XSS_MANAGER, XSS_USER } from '../fixtures/report/decisions.js';
import { forEachDialect, uniqueTable } from '../helpers/databases.js';
import { dbUrl, runCli } from '../cli/harness.js';
import {
  dropTables,
  dumpDom,
  elementsWith,
  pngSize,
  requireChromium,
  screenshot,
  seedPermissionTable,
  tempDir,
  writeFixtureLog,
} from './support.js';

const HOSTILE_CONTENT = '</script><script>document.title="pwned"</script>';

/** The numbers a page shows, read from its data-* attributes. */
function numbersOf(html) {
  return {
    timeline: elementsWith(html, 'data-bucket').map((g) => ({
      bucket: g['data-bucket'],
      granted: Number(g['data-granted']),
      denied: Number(g['data-denied']),
      bypassed: Number(g['data-bypassed']),
    })),
    deniedByManager: elementsWith(html, 'data-label')
      .filter((g) => g.tag === 'g' && html.indexOf(`data-label="${g['data-label']}`) !== -1)
      .map((g) => [g['data-label'], Number(g['data-count'])]),
    totals: Object.fromEntries(
      elementsWith(html, 'data-total').map((li) => [li['data-total'], Number(li['data-count'])]),
    ),
  };
}

/** Bars of one chart, by the id of its <svg>. */
function bars(html, chartId) {
  const start = html.indexOf(`id="${chartId}"`);
  const end = html.indexOf('</svg>', start);
  return elementsWith(html.slice(start, end), 'data-count')
    .filter((g) => g.tag === 'g')
    .map((g) => [g['data-label'], Number(g['data-count'])]);
}

function island(html) {
  const m = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  return JSON.parse(m[1]);
}

function checkPage(html, { events }) {
  expect(numbersOf(html).timeline).to.deep.equal(EXPECTED.timelineByDay);
  expect(numbersOf(html).totals).to.deep.equal(EXPECTED.totals);
  expect(bars(html, 'denied-by-manager-chart')).to.deep.equal(EXPECTED.deniedByManager);
  expect(bars(html, 'bypasses-by-user-chart')).to.deep.equal([
    ['root (id 1)', 5],
    ['service-bot', 1],
  ]);
  const attributes = elementsWith(html, 'data-attribute').map((tr) => [
    tr['data-manager'],
    tr['data-attribute'] || null,
    Number(tr['data-count']),
  ]);
  expect(attributes).to.deep.equal(EXPECTED.deniedByManagerAttribute);
  if (events) {
    const types = elementsWith(html, 'data-content-type').map((h) => [h['data-content-type'], Number(h['data-count'])]);
    expect(types).to.deep.equal([
      ['shop.invoice', 1],
      ['shop.order', 7],
    ]);
    expect(elementsWith(html, 'data-event-id')).to.have.length(6); // 5 per type at most
  }
}

// A start tag with its attributes; quoted values may hold anything but their own quote, so a
// value like `&lt;img src=x` inside data-label is never mistaken for an attribute.
const START_TAG = /<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*\/?>/g;
const ATTRIBUTE = /([^\s"'>/=]+)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?/g;

/** Every start tag's name and attribute names. */
function tagsOf(html) {
  return [...html.matchAll(START_TAG)].map((m) => ({
    name: m[1].toLowerCase(),
    attributes: [...m[2].matchAll(ATTRIBUTE)].map((a) => a[1].toLowerCase()),
  }));
}

/** No hostile value became markup: no <img>, no event handler, no extra script; the names show as text. */
function checkEscaped(html) {
  const tags = tagsOf(html);
  expect(tags.filter((t) => t.name === 'img')).to.deep.equal([]);
  expect(tags.flatMap((t) => t.attributes).filter((a) => a.startsWith('on'))).to.deep.equal([]);
  expect(tags.filter((t) => t.name === 'script')).to.have.length(2); // the JSON island and the page's script
  expect(html).to.include('Evil&lt;/script&gt;&lt;img src=x onerror=');
  expect(html.match(/<title>[^<]*<\/title>/)[0]).to.equal('<title>Permission audit report</title>');
}

describe('audit-events report html (log file)', () => {
  let dir;
  let log;
  let out;
  let html;
  before(async () => {
    dir = tempDir();
    log = await writeFixtureLog(dir);
    out = join(dir, 'report.html');
    const { code, stdout } = await runCli(['report', 'html', '--file', log, '--out', out]);
    expect(code).to.equal(0);
    expect(stdout.trim()).to.equal(`wrote ${out}: 105 decisions (18 denied, 6 bypasses)`);
    html = readFileSync(out, 'utf8');
  });

  it('writes one self-contained file: no external resource of any kind, a CSP that allows none', () => {
    expect(statSync(out).mode & 0o777).to.equal(0o640);
    expect(html.startsWith('<!doctype html>')).to.equal(true);
    const tags = tagsOf(html);
    expect(
      tags.filter((t) => ['link', 'img', 'iframe', 'object', 'embed', 'base', 'a', 'form'].includes(t.name)),
    ).to.deep.equal([]);
    expect(
      tags.flatMap((t) => t.attributes).filter((a) => ['src', 'href', 'xlink:href', 'action', 'srcset'].includes(a)),
    ).to.deep.equal([]);
    for (const forbidden of [/@import/i, /url\(/i, /https?:\/\//i])
      expect(html, String(forbidden)).to.not.match(forbidden);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)[1];
    expect(csp).to.match(
      /^default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]+'; style-src 'sha256-[A-Za-z0-9+/=]+'; img-src 'none'/,
    );
    expect(html.match(/<script>/g)).to.have.length(1);
  });

  it("charts and tables carry the fixture's counts; the JSON island holds the same data", () => {
    checkPage(html, { events: false });
    const data = island(html);
    expect(data.timeline.totals).to.deep.equal(EXPECTED.totals);
    expect(data.deniedByManager.rows.map((r) => [r.manager, r.count])).to.deep.equal(EXPECTED.deniedByManager);
    expect(data.events).to.have.property('note').that.includes('--db');
    // The island survives a manager named `</script>…`: escaped as \u003c, parsed back intact.
    expect(data.deniedByManager.rows.at(-1).manager).to.equal(XSS_MANAGER);
    checkEscaped(html);
  });

  it('renders in headless Chromium: the script runs under the CSP and finds the charts match the data', async function () {
    const bin = requireChromium(this);
    const dom = await dumpDom(bin, out);
    expect(dom).to.match(/<html lang="en" data-script="ready">/);
    expect(dom).to.include(
      'Checked in your browser: the charts add up to the embedded data (105 decisions, 18 denied, 6 bypasses).',
    );
    checkPage(dom, { events: false });
    checkEscaped(dom);
  });

  it('its CSP lets no other script run: one injected into the file stays inert in Chromium', async function () {
    const bin = requireChromium(this);
    const tampered = join(dir, 'tampered.html');
    const injected = '<script>document.documentElement.setAttribute("data-injected", "ran")</script>';
    writeFileSync(tampered, html.replace('</body>', `${injected}</body>`));
    const dom = await dumpDom(bin, tampered);
    expect(dom).to.match(/data-script="ready"/); // the page's own, hashed script still runs
    expect(dom).to.not.include('data-injected="ran"');
  });

  it('draws a real picture: a screenshot of the requested size with content', async function () {
    const bin = requireChromium(this);
    const png = await screenshot(bin, out, 1100, 1400);
    expect(pngSize(png)).to.deep.equal({ width: 1100, height: 1400 });
    // A blank page of this size compresses to a few KB; charts, text and colours do not.
    expect(png.length).to.be.greaterThan(30_000);
  });

  it('--out in a missing directory is a configuration error, and nothing is left behind', async () => {
    const { code, stderr } = await runCli(['report', 'html', '--file', log, '--out', join(dir, 'missing', 'r.html')]);
    expect(code).to.equal(3);
    expect(stderr).to.include('cannot write');
  });
});

forEachDialect('audit-events report html (database)', (ctx, dialect) => {
  const table = uniqueTable('rep_html');
  const events = uniqueTable('rep_html_ev');
  let dir;
  before(async () => {
    if (!ctx.knex) return;
    dir = tempDir();
    await seedPermissionTable(ctx.knex, table);
    const store = new KnexEventStore(ctx.knex, { tableName: events, archiveTableName: `${events}_archive` });
    await store.migrate();
    const base = Date.UTC(2025, 2, 3, 12);
    const event = (i, contentType, overrides = {}) => ({
      id: newEventId(base + i * 1000),
      createdAt: new Date(base + i * 1000),
      contentType,
      objectId: String(i),
      content: { n: i },
      userId: '2',
      userRepr: 'alice',
      url: `/orders/${i}`,
      method: 'PATCH',
      ip: null,
      requestId: `req-${i}`,
      userAgent: null,
      queryParams: null,
      postData: null,
      headers: null,
      ...overrides,
    });
    await store.save([
      ...Array.from({ length: 7 }, (_, i) => event(i, 'shop.order')),
      event(20, 'shop.invoice', { userRepr: XSS_USER, content: { note: HOSTILE_CONTENT } }),
    ]);
    await store.close();
  });
  after(() => dropTables(ctx, table, events, `${events}_archive`));

  it('adds the latest request events per content type, escaped, and renders in Chromium', async function () {
    const out = join(dir, 'report.html');
    const { code, stdout } = await runCli([
      'report',
      'html',
      '--db',
      dbUrl(dialect, ctx),
      '--table',
      table,
      '--events-table',
      events,
      '--out',
      out,
      '--json',
    ]);
    expect(code).to.equal(0);
    expect(JSON.parse(stdout)).to.include({ ok: true, decisions: 105, denied: 18, bypassed: 6, contentTypes: 2 });
    const html = readFileSync(out, 'utf8');
    checkPage(html, { events: true });
    checkEscaped(html);
    expect(html).to.include('&lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt;'); // the user's name, as text
    expect(island(html).events.types[0].events[0].content).to.deep.equal({ note: HOSTILE_CONTENT });

    const bin = requireChromium(this);
    const dom = await dumpDom(bin, out);
    expect(dom).to.match(/data-script="ready"/);
    checkPage(dom, { events: true });
    checkEscaped(dom);
  });

  if (dialect === 'sqlite') {
    it('--file with --db: decisions from the file, request events from the database; a missing events table is a note', async () => {
      const log = await writeFixtureLog(dir);
      const out = join(dir, 'mixed.html');
      const mixed = await runCli([
        'report',
        'html',
        '--file',
        log,
        '--db',
        dbUrl(dialect, ctx),
        '--events-table',
        events,
        '--out',
        out,
      ]);
      expect(mixed.code).to.equal(0);
      expect(mixed.stdout).to.include('latest request events of 2 content types');
      checkPage(readFileSync(out, 'utf8'), { events: true });

      const none = await runCli([
        'report',
        'html',
        '--db',
        dbUrl(dialect, ctx),
        '--table',
        table,
        '--events-table',
        'no_events_here',
        '--out',
        out,
      ]);
      expect(none.code).to.equal(0);
      expect(none.stderr).to.include('no_events_here does not exist');
      expect(readFileSync(out, 'utf8')).to.include('The request events table no_events_here does not exist.');
    });
  }
});
