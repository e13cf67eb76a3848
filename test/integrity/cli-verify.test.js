// `audit-events verify`: per-chain lines, the `k/N chains valid` total, exit 0 when every chain
// is valid and 1 otherwise, JSON output, the permission log, and recorded heads.
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPermissionAuditEvent } from '@audit-events/core';
import { DatabaseAuditLogger, KnexEventStore } from '@audit-events/knex';
import { dbUrl, emptyDir, runBin, runCli } from '../cli/harness.js';
import { forEachDialect, uniqueTable } from '../helpers/databases.js';
import { chainedStore, dropAll, makeEvent } from './support.js';

forEachDialect('cli: verify', (ctx, dialect) => {
  const tables = [];
  afterEach(() => dropAll(ctx.knex, tables));

  async function seeded() {
    const store = await chainedStore(ctx.knex, tables, { integrity: { chainId: 'cli-a' } });
    const other = await chainedStore(ctx.knex, tables, {
      tableName: store.tableName,
      archiveTableName: store.archiveTableName,
      integrity: { chainId: 'cli-b' },
    });
    await store.save(Array.from({ length: 5 }, () => makeEvent()));
    await other.save(Array.from({ length: 3 }, () => makeEvent()));
    const args = ['--db', dbUrl(dialect, ctx), '--table', store.tableName, '--archive-table', store.archiveTableName];
    return { store, args };
  }

  it('prints each chain as valid and exits 0; an edited row makes it INVALID with the seq and exit 1', async () => {
    const { store, args } = await seeded();
    let r = await runCli(['verify', ...args]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.split('\n')).to.include.members([
      `${store.tableName} + ${store.archiveTableName}`,
      '  cli-a: valid (5 rows)',
      '  cli-b: valid (3 rows)',
      '2/2 chains valid',
    ]);
    await ctx.knex(store.tableName).where({ chain_id: 'cli-b', seq: 2 }).update({ object_id: 'edited' });
    r = await runCli(['verify', ...args]);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.include('  cli-a: valid (5 rows)');
    expect(r.stdout).to.include('  cli-b: INVALID: hash-mismatch at seq 2 (3 rows)');
    expect(r.stdout.trim().split('\n').pop()).to.equal('1/2 chains valid');
  });

  it('--json reports every chain; a deleted row is a seq-gap', async () => {
    const { store, args } = await seeded();
    const plain = new KnexEventStore(ctx.knex, {
      tableName: store.tableName,
      archiveTableName: store.archiveTableName,
    });
    await plain.save([makeEvent(), makeEvent()]); // written without integrity: counted, not verified
    await ctx.knex(store.tableName).where({ chain_id: 'cli-a', seq: 3 }).del();
    const r = await runCli(['verify', ...args, '--json']);
    expect(r.code).to.equal(1);
    const doc = JSON.parse(r.stdout);
    expect(doc).to.include({ command: 'verify', ok: false, validChains: 1, totalChains: 2 });
    expect(doc.logs).to.have.length(1);
    expect(doc.logs[0]).to.include({ kind: 'events', table: store.tableName, unchainedRows: 2 });
    expect(
      doc.logs[0].chains.map((c) => [c.chainId, c.valid, c.reason ?? null, c.firstBadSeq ?? null, c.rows]),
    ).to.deep.equal([
      ['cli-a', false, 'seq-gap', 3, 4],
      ['cli-b', true, null, null, 3],
    ]);
  });

  it('--permission-table verifies the permission log too (alone when there are no event tables)', async () => {
    const permissionTable = uniqueTable('icliperm');
    tables.push(permissionTable);
    const logger = new DatabaseAuditLogger({
      knex: ctx.knex,
      tableName: permissionTable,
      integrity: { chainId: 'perm-1' },
      flushOnExit: false,
      handleSignals: false,
    });
    for (let i = 0; i < 4; i++) {
      logger.record(
        createPermissionAuditEvent({
          action: 'read',
          attributes: ['x'],
          granted: i % 2 === 0,
          manager: 'Order',
          user: null,
        }),
      );
    }
    await logger.close();
    const db = ['--db', dbUrl(dialect, ctx)];
    const missing = uniqueTable('nope');
    let r;
    if (dialect === 'sqlite') {
      // This database has no audit_events table (the shared servers might): only the log is checked.
      r = await runCli(['verify', ...db, '--permission-table', permissionTable]);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.equal(
        `${permissionTable} (permission audit log)\n  perm-1: valid (4 rows)\n1/1 chains valid\n`,
      );
    }

    const { store, args } = await seeded();
    await ctx.knex(permissionTable).where({ seq: 4 }).del();
    await ctx.knex(permissionTable).where({ seq: 2 }).update({ granted: true });
    r = await runCli(['verify', ...args, '--permission-table', permissionTable]);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.include('  perm-1: INVALID: hash-mismatch at seq 2 (3 rows)');
    expect(r.stdout.trim().split('\n').pop()).to.equal('2/3 chains valid');
    expect(store.chainId).to.equal('cli-a');

    // A named event table that does not exist is a database error (4), as for archive.
    r = await runCli([
      'verify',
      ...db,
      '--table',
      missing,
      '--archive-table',
      `${missing}_arc`,
      '--permission-table',
      permissionTable,
    ]);
    expect(r.code).to.equal(4);
    expect(r.stderr).to.include(`${missing} does not exist`);
  });

  it('--record-heads then --expect-heads catches deleted newest rows; a bad heads file is exit 3', async () => {
    const { store, args } = await seeded();
    const dir = emptyDir();
    const heads = join(dir, 'heads.json');
    let r = await runCli(['verify', ...args, '--record-heads', heads]);
    expect(r.code, r.stderr).to.equal(0);
    const recorded = JSON.parse(readFileSync(heads, 'utf8'));
    expect(recorded[store.tableName].map((h) => [h.chainId, h.seq])).to.deep.equal([
      ['cli-a', 5],
      ['cli-b', 3],
    ]);

    await ctx.knex(store.tableName).where({ chain_id: 'cli-a' }).where('seq', '>=', 4).del();
    r = await runCli(['verify', ...args]);
    expect(r.code).to.equal(0); // a shorter chain is consistent on its own
    r = await runCli(['verify', ...args, '--expect-heads', heads, '--record-heads', join(dir, 'new.json')]);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.include('  cli-a: INVALID: missing-tail at seq 4 (3 rows)');
    expect(r.stderr).to.include('NOT written');

    writeFileSync(join(dir, 'bad.json'), '[1, 2]');
    r = await runCli(['verify', ...args, '--expect-heads', join(dir, 'bad.json')]);
    expect(r.code).to.equal(3);
  });

  it('the installed bin exits 0 and 1 the same way', async function () {
    this.timeout(20_000);
    const { store, args } = await seeded();
    let r = await runBin(['verify', ...args]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.include('2/2 chains valid');
    await ctx.knex(store.tableName).where({ chain_id: 'cli-a', seq: 1 }).update({ content_type: 'edited' });
    r = await runBin(['verify', ...args]);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.include('cli-a: INVALID: hash-mismatch at seq 1');
  });
});
