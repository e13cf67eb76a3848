// Reports over NDJSON permission logs: the streaming reader (torn last line, malformed lines,
// lines split across reads), and every report's numbers on the fixture, checked against the
// counts worked out by hand in test/fixtures/report/decisions.js.
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  InvalidQueryError,
  defineBypassReport,
  defineDeniedReport,
  defineRegressionReport,
  defineTimelineReport,
  readPermissionLog,
  runReport,
  runReports,
} from '@audit-events/core';
import { toReportableEvent } from '@audit-events/core/internal';
import { EXPECTED, XSS_MANAGER } from '../fixtures/report/decisions.js';
import { tempDir, writeFixtureLog } from './support.js';

const GENERAL_MANAGER_LOG = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'fixtures',
  'report',
  'general-manager.log',
);

async function collect(reader) {
  const out = [];
  for await (const value of reader) out.push(value);
  return out;
}

describe('permission log reader', () => {
  let logPath;
  before(async () => {
    logPath = await writeFixtureLog();
  });

  it('yields every event, counts malformed lines and reports a torn last line without counting it', async () => {
    const reader = readPermissionLog(logPath);
    const events = await collect(reader);
    expect(events).to.have.length(105);
    expect(reader.stats).to.deep.equal({
      lines: 109,
      events: 105,
      malformed: 2,
      firstMalformedLine: 106,
      tornLastLine: true,
    });
  });

  it('reassembles lines and multi-byte characters split across reads', async () => {
    const path = join(tempDir(), 'utf8.log');
    const line = (i) =>
      JSON.stringify({
        timestamp: `2025-03-01T00:00:0${i}.000+00:00`,
        action: 'read',
        attributes: ['naïve-😀-属性'],
        granted: i % 2 === 0,
        manager: 'Ωmega',
      });
    writeFileSync(path, `${line(0)}\r\n${line(1)}\n${line(2)}`);
    // 7-byte reads split every line and every multi-byte character somewhere.
    const reader = readPermissionLog(path, { highWaterMark: 7 });
    const events = await collect(reader);
    expect(events.map((e) => e.attributes[0])).to.deep.equal(['naïve-😀-属性', 'naïve-😀-属性', 'naïve-😀-属性']);
    expect(events.map((e) => e.manager)).to.deep.equal(['Ωmega', 'Ωmega', 'Ωmega']);
    // A complete last line without its newline is still an event.
    expect(reader.stats).to.include({ events: 3, malformed: 0, tornLastLine: false });
  });

  it('skips a line longer than maxLineBytes as malformed and goes on with the next', async () => {
    const path = join(tempDir(), 'long.log');
    const ok = JSON.stringify({ timestamp: '2025-03-01T00:00:00Z', action: 'read', granted: true });
    writeFileSync(path, `${ok}\n{"x":"${'a'.repeat(5000)}"}\n${ok}\n`);
    const reader = readPermissionLog(path, { highWaterMark: 512, maxLineBytes: 1024 });
    expect(await collect(reader)).to.have.length(2);
    expect(reader.stats).to.include({ events: 2, malformed: 1, firstMalformedLine: 2 });
  });

  it('rejects the iteration with the fs error for a missing file', async () => {
    const reader = readPermissionLog(join(tempDir(), 'missing.log'));
    let error;
    try {
      await collect(reader);
    } catch (err) {
      error = err;
    }
    expect(error).to.have.property('code', 'ENOENT');
  });

  it('reads what general_manager writes: microsecond timestamps, `user` instead of user_repr, numeric ids', async () => {
    const events = await collect(readPermissionLog(GENERAL_MANAGER_LOG));
    expect(events).to.have.length(4);
    const reportable = events.map(toReportableEvent);
    expect(reportable.map((e) => e.time)).to.deep.equal([
      Date.parse('2025-03-01T12:00:00.123Z'),
      Date.parse('2025-03-01T12:00:01.500Z'),
      Date.parse('2025-03-01T12:00:02Z'),
      Date.parse('2025-03-01T13:00:00.000Z'),
    ]);
    expect(reportable[2]).to.include({ user_id: null, user_repr: '<AnonymousUser>', manager: 'Task' });
    expect(reportable[3]).to.include({ deployment: '2025.03.1', bypassed: true });
    expect(
      toReportableEvent({ timestamp: '2025-03-01T12:00:00', action: 'read', granted: true, user_id: 42 }),
    ).to.include({
      time: Date.parse('2025-03-01T12:00:00Z'), // no zone: UTC, never the machine's local time
      user_id: '42',
    });
  });

  it('refuses records that are not permission events', () => {
    const good = { timestamp: '2025-03-01T12:00:00Z', action: 'read', granted: true };
    expect(toReportableEvent(good)).to.not.equal(null);
    for (const bad of [
      null,
      [],
      'text',
      { ...good, timestamp: 'yesterday' },
      { ...good, timestamp: undefined },
      { ...good, granted: 'false' },
      { ...good, bypassed: 1 },
      { ...good, action: 3 },
      { ...good, attributes: 'budget' },
      { ...good, attributes: [1] },
      { ...good, manager: {} },
      { ...good, user_id: {} },
      { ...good, user_repr: 7 },
    ]) {
      expect(toReportableEvent(bad), JSON.stringify(bad)).to.equal(null);
    }
  });
});

describe('reports over a permission log', () => {
  let logPath;
  before(async () => {
    logPath = await writeFixtureLog();
  });
  const over = (definition) => runReport(definition, readPermissionLog(logPath));

  it('denied by manager and attribute (the default): one row per attribute, operation-level under null', async () => {
    const report = await over(defineDeniedReport());
    expect(report).to.include({ report: 'denied', total: EXPECTED.totals.denied, since: null, until: null });
    expect(report.by).to.deep.equal(['manager', 'attribute']);
    expect(report.rows.map((r) => [r.manager, r.attribute, r.count])).to.deep.equal(EXPECTED.deniedByManagerAttribute);
    // Keys first, in --by order, then the counts.
    expect(Object.keys(report.rows[0])).to.deep.equal(['manager', 'attribute', 'count', 'first_at', 'last_at']);
    expect(report.rows[0]).to.include({ first_at: '2025-02-28T10:00:00.000Z', last_at: '2025-03-03T09:03:00.000Z' });
  });

  it('denied by manager, by user and action, and inside a time window', async () => {
    const byManager = await over(defineDeniedReport({ by: ['manager'] }));
    expect(byManager.rows.map((r) => [r.manager, r.count])).to.deep.equal(EXPECTED.deniedByManager);
    expect(byManager.rows.find((r) => r.manager === XSS_MANAGER).count).to.equal(1);

    const byUser = await over(defineDeniedReport({ by: ['user', 'action'] }));
    // Largest count first; ties by key, null first (anonymous), then code-unit order.
    expect(byUser.rows.map((r) => [r.user_id, r.user_repr, r.action, r.count])).to.deep.equal([
      ['3', 'bob', 'update', 11],
      ['2', 'alice', 'update', 3],
      [null, null, 'delete', 1],
      [null, null, 'update', 1],
      ['3', 'bob', 'delete', 1],
      ['9', '<script>document.title="pwned"</script>', 'read', 1],
    ]);

    // since is inclusive, until exclusive: 2025-03-01 09:00 is the first v1 decision.
    const window = await over(
      defineDeniedReport({
        by: ['manager'],
        since: new Date('2025-03-01T09:00:00Z'),
        until: new Date('2025-03-03T00:00:00Z'),
      }),
    );
    expect(window).to.include({ total: 4, since: '2025-03-01T09:00:00.000Z', until: '2025-03-03T00:00:00.000Z' });
    expect(window.rows.map((r) => [r.manager, r.count])).to.deep.equal([
      ['Task', 2],
      ['Invoice', 1],
      ['Project', 1],
    ]);
  });

  it('bypasses by user (default) and by manager', async () => {
    const byUser = await over(defineBypassReport());
    expect(byUser).to.include({ report: 'bypasses', total: 6 });
    expect(byUser.rows.map((r) => [r.user_id, r.user_repr, r.count])).to.deep.equal(EXPECTED.bypassesByUser);
    const byManager = await over(defineBypassReport({ by: ['manager'] }));
    expect(byManager.rows.map((r) => [r.manager, r.count])).to.deep.equal(EXPECTED.bypassesByManager);
  });

  it('timeline: per day with empty days filled in (auto, data spans more than two days), and per hour', async () => {
    const auto = await over(defineTimelineReport());
    expect(auto).to.include({
      bucket: 'day',
      first_at: '2025-02-28T10:00:00.000Z',
      last_at: '2025-03-03T09:51:00.000Z',
    });
    expect(auto.totals).to.deep.equal(EXPECTED.totals);
    expect(auto.rows).to.deep.equal(EXPECTED.timelineByDay);

    const hourly = await over(defineTimelineReport({ bucket: 'hour' }));
    expect(hourly.bucket).to.equal('hour');
    // 2025-02-28T10 … 2025-03-03T09: 72 hours, gaps included.
    expect(hourly.rows).to.have.length(72);
    expect(hourly.rows[0]).to.deep.equal({ bucket: '2025-02-28T10', granted: 2, denied: 4, bypassed: 0 });
    expect(hourly.rows.at(-1)).to.deep.equal({ bucket: '2025-03-03T09', granted: 42, denied: 10, bypassed: 3 });
    expect(hourly.rows.reduce((n, r) => n + r.granted + r.denied, 0)).to.equal(105);

    const lastDay = await over(defineTimelineReport({ since: new Date('2025-03-03T00:00:00Z') }));
    expect(lastDay.bucket).to.equal('hour'); // auto: less than two days of data
    expect(lastDay.rows).to.deep.equal([{ bucket: '2025-03-03T09', granted: 42, denied: 10, bypassed: 3 }]);
  });

  it('regressions v1 → v2: a risen rate and new denials are flagged; a rise equal to the threshold is not', async () => {
    const report = await over(defineRegressionReport({ baseline: 'v1', candidate: 'v2' }));
    expect(report).to.include({ baseline_decisions: 47, candidate_decisions: 52, flagged: 2, threshold: 0.05 });
    const rows = report.rows.map((r) => [
      r.manager,
      r.attribute,
      r.baseline_total,
      r.baseline_denied,
      r.candidate_total,
      r.candidate_denied,
      r.change,
      r.reason,
    ]);
    expect(rows).to.deep.equal([
      ['Project', 'budget', 10, 1, 10, 4, 0.3, 'rate'],
      ['Task', 'priority', 0, 0, 5, 2, null, 'new'],
      ['Task', 'status', 20, 2, 20, 3, 0.05, null],
      ['Invoice', null, 4, 1, 4, 1, 0, null],
      ['Project', 'name', 10, 0, 10, 0, 0, null],
      ['Invoice', 'archive', 0, 0, 1, 0, null, null],
      ['Project', 'archive', 3, 0, 0, 0, null, null],
      ['Task', 'archive', 0, 0, 2, 0, null, null],
    ]);
    expect(report.rows[0]).to.include({ baseline_rate: 0.1, candidate_rate: 0.4, flagged: true });
    // Decisions without a deployment (the six of 2025-02-28) are in neither side.
    expect(report.rows.find((r) => r.attribute === 'owner')).to.equal(undefined);

    const stricter = await over(defineRegressionReport({ baseline: 'v1', candidate: 'v2', threshold: 0.04 }));
    expect(stricter.flagged).to.equal(3);
    const reverse = await over(defineRegressionReport({ baseline: 'v2', candidate: 'v1' }));
    expect(reverse.flagged).to.equal(0);
    const unknown = await over(defineRegressionReport({ baseline: 'v1', candidate: 'v9' }));
    expect(unknown).to.include({ baseline_decisions: 47, candidate_decisions: 0, flagged: 0 });
  });

  it('runs several reports in one pass and counts records that are not events', async () => {
    const records = [
      { timestamp: '2025-03-01T00:00:00Z', action: 'read', granted: false, manager: 'A', attributes: ['x', 'x', 'y'] },
      { nope: true },
      { timestamp: '2025-03-01T00:00:00Z', action: 'read', granted: true, bypassed: true, manager: 'A' },
    ];
    const { results, invalid } = await runReports(
      [defineDeniedReport(), defineBypassReport({ by: ['manager'] })],
      records,
    );
    expect(invalid).to.equal(1);
    // An attribute named twice in one decision counts once.
    expect(results[0].rows.map((r) => [r.attribute, r.count])).to.deep.equal([
      ['x', 1],
      ['y', 1],
    ]);
    expect(results[0].total).to.equal(1);
    expect(results[1].rows.map((r) => [r.manager, r.count])).to.deep.equal([['A', 1]]);
  });

  it('refuses bad options with InvalidQueryError', () => {
    const bad = [
      () => defineDeniedReport({ by: ['nope'] }),
      () => defineDeniedReport({ by: [] }),
      () => defineDeniedReport({ by: ['manager', 'manager'] }),
      () => defineDeniedReport({ since: new Date('2025-03-02'), until: new Date('2025-03-01') }),
      () => defineDeniedReport({ since: new Date('nope') }),
      () => defineRegressionReport({ baseline: 'v1', candidate: 'v1' }),
      () => defineRegressionReport({ baseline: '', candidate: 'v1' }),
      () => defineRegressionReport({ baseline: 'v1', candidate: 'v2', threshold: 1.5 }),
      () => defineRegressionReport({ baseline: 'v1', candidate: 'v2', threshold: Number.NaN }),
      () => defineTimelineReport({ bucket: 'week' }),
    ];
    for (const make of bad)
      expect(make, make.toString()).to.throw(InvalidQueryError).with.property('code', 'AUDIT_BAD_QUERY');
    expect(defineDeniedReport({ by: ['attributes', 'Manager'] }).query.columns).to.deep.equal([
      'attributes',
      'manager',
    ]);
  });
});
