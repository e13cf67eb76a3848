// `audit-events report denied|bypasses|regressions`, run in-process: the three output formats, the
// regression exit code, bad arguments, and the database source on every dialect.
import { expect } from 'chai';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXPECTED, XSS_MANAGER } from '../fixtures/report/decisions.js';
import { forEachDialect, uniqueTable } from '../helpers/databases.js';
import { dbUrl, runCli } from '../cli/harness.js';
import { dropTables, seedPermissionTable, tempDir, writeFixtureLog } from './support.js';

const GENERAL_MANAGER_LOG = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'fixtures',
  'report',
  'general-manager.log',
);

function parseCsv(text) {
  // Enough of RFC 4180 for the assertions: quoted fields with doubled quotes, no embedded newlines.
  return text
    .trim()
    .split('\n')
    .map((line) =>
      [...line.matchAll(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)]
        .filter((m) => m.index < line.length || m[1] !== '')
        .map((m) => (m[1].startsWith('"') ? m[1].slice(1, -1).replace(/""/g, '"') : m[1])),
    );
}

describe('audit-events report (log file)', () => {
  let dir;
  let log;
  before(async () => {
    dir = tempDir();
    log = await writeFixtureLog(dir);
  });

  it('denied: an aligned table, the source and what was skipped', async () => {
    const { code, stdout, stderr } = await runCli(['report', 'denied', '--file', log]);
    expect(code).to.equal(0);
    const lines = stdout.split('\n');
    expect(lines[0]).to.equal('denied decisions by manager, attribute: 18 in all time');
    expect(lines[1]).to.equal(
      `source: ${log} (105 decisions, 2 malformed lines skipped, incomplete last line skipped)`,
    );
    const header = lines[3];
    expect(header.split(/\s{2,}/)).to.deep.equal(['manager', 'attribute', 'denied', 'first', 'last']);
    const rows = lines.slice(5).filter((l) => l !== '');
    expect(rows).to.have.length(6);
    // Every column starts at the same offset on every line; numbers are right-aligned.
    const countEnd = header.indexOf('denied') + 'denied'.length;
    for (const row of rows) expect(row.slice(0, countEnd)).to.match(/\d$/);
    expect(rows[0]).to.match(/^Project\s+budget\s+8\s+2025-02-28T10:00:00.000Z\s+2025-03-03T09:03:00.000Z$/);
    expect(rows[2]).to.match(/^Invoice\s+\(none\)\s+2\s/);
    expect(stderr).to.include('skipped 2 malformed lines, the first at line 106');
    expect(stderr).to.include('the last line is incomplete');
  });

  it('denied --format json and --json: the report, the source and ok', async () => {
    const { code, stdout } = await runCli(['report', 'denied', '--by', 'manager', '--file', log, '--format', 'json']);
    expect(code).to.equal(0);
    const doc = JSON.parse(stdout);
    expect(doc).to.include({ ok: true, report: 'denied', total: 18 });
    expect(doc.rows.map((r) => [r.manager, r.count])).to.deep.equal(EXPECTED.deniedByManager);
    expect(doc.source).to.deep.equal({
      kind: 'file',
      files: [log],
      lines: 109,
      decisions: 105,
      malformed: 2,
      tornLastLine: true,
    });
    const short = await runCli(['report', 'denied', '--by', 'manager', '--file', log, '--json']);
    expect(JSON.parse(short.stdout).rows).to.deep.equal(doc.rows);
  });

  it('--format csv: RFC 4180 quoting, raw values, and a guard against spreadsheet formulas', async () => {
    const { code, stdout } = await runCli(['report', 'denied', '--by', 'manager', '--file', log, '--format', 'csv']);
    expect(code).to.equal(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).to.equal('manager,count,first_at,last_at');
    // The quotes inside the XSS manager name are doubled, and the field quoted.
    expect(lines).to.include(
      `"${XSS_MANAGER.replace(/"/g, '""')}",1,2025-02-28T10:03:00.000Z,2025-02-28T10:03:00.000Z`,
    );
    expect(
      parseCsv(stdout)
        .slice(1)
        .map((r) => [r[0], Number(r[1])]),
    ).to.deep.equal(EXPECTED.deniedByManager);

    const hostile = join(dir, 'hostile.log');
    const line = (manager, user) =>
      JSON.stringify({
        timestamp: '2025-03-01T00:00:00Z',
        action: 'read',
        granted: false,
        manager,
        user_id: null,
        user_repr: user,
      });
    writeFileSync(hostile, `${line('=HYPERLINK("http://evil","x")', '@cmd')}\n${line('-2+3', 'a,b\u001b[31m')}\n`);
    const csv = await runCli(['report', 'denied', '--by', 'manager,user', '--file', hostile, '--format', 'csv']);
    const rows = parseCsv(csv.stdout);
    expect(
      rows
        .slice(1)
        .map((r) => [r[0], r[2]])
        .sort(),
    ).to.deep.equal([
      // Issue 16 item 13: ESC is written as text in CSV too (it used to pass raw).
      ["'-2+3", 'a,b\\u001b[31m'],
      ['\'=HYPERLINK("http://evil","x")', "'@cmd"],
    ]);
    // In a table, control characters are shown escaped instead of acting on the terminal.
    const table = await runCli(['report', 'denied', '--by', 'manager,user', '--file', hostile]);
    expect(table.stdout).to.include('a,b\\u001b[31m').and.not.include('\u001b');
  });

  it('bypasses: by user by default, by manager on request', async () => {
    const byUser = await runCli(['report', 'bypasses', '--file', log, '--json']);
    expect(JSON.parse(byUser.stdout).rows.map((r) => [r.user_id, r.user_repr, r.count])).to.deep.equal(
      EXPECTED.bypassesByUser,
    );
    const table = await runCli(['report', 'bypasses', '--file', log]);
    expect(table.stdout)
      .to.match(/^1\s+root\s+5\s/m)
      .and.match(/^\(none\)\s+service-bot\s+1\s/m);
    const byManager = await runCli(['report', 'bypasses', '--by', 'manager', '--file', log, '--format', 'csv']);
    expect(byManager.stdout.trim().split('\n')).to.deep.equal([
      'manager,count,first_at,last_at',
      'Project,3,2025-03-01T09:44:00.000Z,2025-03-01T09:46:00.000Z',
      'Task,2,2025-03-03T09:49:00.000Z,2025-03-03T09:50:00.000Z',
      'Invoice,1,2025-03-03T09:51:00.000Z,2025-03-03T09:51:00.000Z',
    ]);
  });

  it('--since/--until take dates, date-times and ages', async () => {
    const run = async (...args) =>
      JSON.parse((await runCli(['report', 'denied', '--by', 'manager', '--file', log, '--json', ...args])).stdout);
    expect((await run('--since', '2025-03-01')).total).to.equal(14);
    expect((await run('--since', '2025-03-01', '--until', '2025-03-03T00:00')).total).to.equal(4);
    expect((await run('--until', '2025-03-01T09:00:00+00:00')).total).to.equal(4);
    const recent = await run('--since', '7d');
    expect(recent.total).to.equal(0); // the fixture is from 2025
    expect(Date.parse(recent.since)).to.be.closeTo(Date.now() - 7 * 86_400_000, 60_000);
  });

  it('regressions: exit 1 when a group regressed, 0 when none did, 2 for an unknown deployment', async () => {
    const flagged = await runCli(['report', 'regressions', '--file', log, '--baseline', 'v1', '--candidate', 'v2']);
    expect(flagged.code).to.equal(1);
    expect(flagged.stdout).to.match(/^Project\s+budget\s+10\s+1\s+10\.0%\s+10\s+4\s+40\.0%\s+\+30\.0 pp\s+REGRESSED$/m);
    expect(flagged.stdout).to.match(/^Task\s+priority\s+0\s+0\s+-\s+5\s+2\s+40\.0%\s+-\s+NEW DENIALS$/m);
    expect(flagged.stdout).to.match(/^Task\s+status\s+20\s+2\s+10\.0%\s+20\s+3\s+15\.0%\s+\+5\.0 pp$/m);
    expect(flagged.stdout).to.include('2 groups flagged');

    const clean = await runCli(['report', 'regressions', '--file', log, '--baseline', 'v2', '--candidate', 'v1']);
    expect(clean.code).to.equal(0);
    expect(clean.stdout.trim().split('\n').at(-1)).to.equal('no regression');

    const strict = await runCli([
      'report',
      'regressions',
      '--file',
      log,
      '--baseline',
      'v1',
      '--candidate',
      'v2',
      '--threshold',
      '4%',
      '--json',
    ]);
    expect(strict.code).to.equal(1);
    const doc = JSON.parse(strict.stdout);
    expect(doc).to.include({ ok: true, flagged: 3, threshold: 0.04 });
    expect(doc.rows.filter((r) => r.flagged).map((r) => `${r.manager}.${r.attribute}:${r.reason}`)).to.deep.equal([
      'Project.budget:rate',
      'Task.status:rate',
      'Task.priority:new',
    ]);

    const csv = await runCli([
      'report',
      'regressions',
      '--file',
      log,
      '--baseline',
      'v1',
      '--candidate',
      'v2',
      '--format',
      'csv',
    ]);
    expect(csv.code).to.equal(1);
    expect(csv.stdout.split('\n')[0]).to.equal(
      'manager,attribute,baseline_total,baseline_denied,baseline_rate,candidate_total,candidate_denied,candidate_rate,change,reason',
    );
    expect(csv.stdout.split('\n')[1]).to.equal('Project,budget,10,1,0.1,10,4,0.4,0.3,rate');

    const typo = await runCli([
      'report',
      'regressions',
      '--file',
      log,
      '--baseline',
      'v1',
      '--candidate',
      'v3',
      '--json',
    ]);
    expect(typo.code).to.equal(2);
    expect(typo.stderr).to.include('no decisions for candidate "v3"');
    expect(JSON.parse(typo.stdout)).to.deep.include({ ok: false });
  });

  it('bad arguments are usage errors (exit 2) before anything is read', async () => {
    const cases = [
      ['report', 'denied', '--file', log, '--by', 'manager,nope'],
      ['report', 'denied', '--file', log, '--by', 'manager,manager'],
      ['report', 'denied', '--file', log, '--since', 'last tuesday'],
      ['report', 'denied', '--file', log, '--format', 'xml'],
      ['report', 'bypasses', '--file', log, '--until', '2025-13-45'],
      ['report', 'regressions', '--file', log, '--candidate', 'v2'],
      ['report', 'regressions', '--file', log, '--baseline', 'v1', '--candidate', 'v2', '--threshold', '2'],
      ['report', 'regressions', '--file', log, '--baseline', 'v1', '--candidate', 'v2', '--threshold', 'abc'],
      ['report', 'regressions', '--file', log, '--baseline', 'v1', '--candidate', 'v1'],
      ['report', 'denied', '--file', log, '--since', '2025-03-02', '--until', '2025-03-01'],
      ['report', 'nope'],
    ];
    for (const args of cases) {
      const { code, stderr } = await runCli(args);
      expect(code, args.join(' ')).to.equal(2);
      expect(stderr, args.join(' ')).to.match(/error/);
    }
  });

  it('an unreadable --file, a directory, or --file with --db are configuration errors (exit 3)', async () => {
    const missing = await runCli(['report', 'denied', '--file', join(dir, 'nope.log')]);
    expect(missing.code).to.equal(3);
    expect(missing.stderr).to.include('ENOENT');
    const folder = join(dir, 'folder');
    mkdirSync(folder, { recursive: true });
    expect((await runCli(['report', 'denied', '--file', folder])).code).to.equal(3);
    const both = await runCli(['report', 'denied', '--file', log, '--db', 'sqlite::memory:']);
    expect(both.code).to.equal(3);
    expect(both.stderr).to.include('either --file or --db');
    const none = await runCli(['report', 'denied']);
    expect(none.code).to.equal(3);
    expect(none.stderr).to.include('no database given');
  });

  it("reads rotated files in one pass, and general_manager's log format", async () => {
    const both = await runCli([
      'report',
      'denied',
      '--by',
      'manager',
      '--file',
      log,
      '--file',
      GENERAL_MANAGER_LOG,
      '--json',
    ]);
    const doc = JSON.parse(both.stdout);
    expect(doc.total).to.equal(20);
    expect(doc.source.decisions).to.equal(109);
    // The fixture's counts plus general_manager's two denials (one Project, one Task).
    expect(doc.rows.map((r) => [r.manager, r.count])).to.deep.equal([
      ['Project', 9],
      ['Task', 8],
      ['Invoice', 2],
      [XSS_MANAGER, 1],
    ]);
    const gm = await runCli(['report', 'bypasses', '--by', 'manager', '--file', GENERAL_MANAGER_LOG, '--json']);
    expect(JSON.parse(gm.stdout).rows.map((r) => [r.manager, r.count])).to.deep.equal([['CreateProject', 1]]);
  });
});

forEachDialect('audit-events report (database)', (ctx, dialect) => {
  const table = uniqueTable('rep_cli');
  let file;
  before(async () => {
    if (!ctx.knex) return;
    await seedPermissionTable(ctx.knex, table);
    file = await writeFixtureLog();
  });
  after(() => dropTables(ctx, table));

  it('gives the same JSON as the log file for each report', async () => {
    const db = ['--db', dbUrl(dialect, ctx), '--table', table];
    for (const args of [
      ['report', 'denied', '--json'],
      ['report', 'denied', '--by', 'user,action', '--since', '2025-03-01', '--json'],
      ['report', 'bypasses', '--by', 'manager', '--json'],
      ['report', 'regressions', '--baseline', 'v1', '--candidate', 'v2', '--json'],
    ]) {
      const fromDb = await runCli([...args, ...db]);
      const fromFile = await runCli([...args, '--file', file]);
      expect(fromDb.code, args.join(' ')).to.equal(fromFile.code);
      const a = JSON.parse(fromDb.stdout);
      const b = JSON.parse(fromFile.stdout);
      expect(a.source).to.deep.include({ kind: 'database', table });
      delete a.source;
      delete b.source;
      expect(a, args.join(' ')).to.deep.equal(b);
    }
  });

  it('exits 1 on a regression read from the database, and finds the table through the environment', async () => {
    const { code, stdout } = await runCli(['report', 'regressions', '--baseline', 'v1', '--candidate', 'v2'], {
      env: { AUDIT_EVENTS_DB: dbUrl(dialect, ctx), AUDIT_EVENTS_PERMISSION_TABLE: table },
    });
    expect(code).to.equal(1);
    expect(stdout).to.include(`source: ${table} on `);
    expect(stdout).to.match(/REGRESSED/);
  });

  it('a missing permission table is a database failure (exit 4) that says how the table comes to exist', async () => {
    const { code, stderr, stdout } = await runCli([
      'report',
      'denied',
      '--db',
      dbUrl(dialect, ctx),
      '--table',
      'no_such_permission_log',
      '--json',
    ]);
    expect(code).to.equal(4);
    expect(stderr).to.include('no_such_permission_log does not exist').and.include('DatabaseAuditLogger creates it');
    expect(JSON.parse(stdout)).to.deep.include({ ok: false });
    const bad = await runCli(['report', 'denied', '--db', dbUrl(dialect, ctx), '--table', 'bad name']);
    expect(bad.code).to.equal(3);
  });
});
