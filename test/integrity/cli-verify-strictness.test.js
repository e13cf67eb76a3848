// Issue 16 items 11 and 13, `audit-events verify`: unchained rows beside chains fail (exit 1),
// --allow-unchained accepts them; rows a heads file does not cover are reported (exit 0) and fail
// with --strict; a JSON key stored twice fails; chain ids and keys with terminal escapes, bidi
// controls or line separators are printed escaped; heads files are 0600 and looser ones are
// reported.
import { expect } from 'chai';
import { chmodSync, lstatSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KnexEventStore } from '@audit-events/knex';
import { dbUrl, emptyDir, runCli } from '../cli/harness.js';
import { forEachDialect } from '../helpers/databases.js';
import { chainedStore, dropAll, makeEvent } from './support.js';

const RAW_UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

forEachDialect('cli: verify strictness (issue 16)', (ctx, dialect) => {
  const tables = [];
  afterEach(() => dropAll(ctx.knex, tables));

  async function seeded() {
    const store = await chainedStore(ctx.knex, tables, { integrity: { chainId: 'st-a' } });
    await store.save([makeEvent({ content: { amount: 100 } }), makeEvent(), makeEvent()]);
    const args = ['--db', dbUrl(dialect, ctx), '--table', store.tableName, '--archive-table', store.archiveTableName];
    return { store, args };
  }

  it('unchained rows beside chains: exit 1 and FAILED; --allow-unchained: exit 0, still counted', async () => {
    const { store, args } = await seeded();
    const plain = new KnexEventStore(ctx.knex, {
      tableName: store.tableName,
      archiveTableName: store.archiveTableName,
    });
    await plain.save([makeEvent(), makeEvent()]);
    let r = await runCli(['verify', ...args]);
    expect(r.code, r.stderr).to.equal(1);
    expect(r.stdout).to.include('  st-a: valid (3 rows)');
    expect(r.stdout).to.match(/ {2}2 row\(s\) without a hash chain: FAILED/);
    expect(r.stdout.trim().split('\n').pop()).to.equal('1/1 chains valid; 2 unchained row(s) FAILED');

    r = await runCli(['verify', ...args, '--json']);
    expect(r.code).to.equal(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.ok).to.equal(false);
    expect(doc.logs[0]).to.include({ unchainedRows: 2, unchainedRowsFail: true, valid: false });

    r = await runCli(['verify', ...args, '--allow-unchained']);
    expect(r.code, r.stdout).to.equal(0);
    expect(r.stdout).to.include('2 row(s) without a hash chain: accepted (--allow-unchained)');
  });

  it('--expect-heads: rows past a head and chains not in the file are "not covered" (exit 0); --strict fails them', async () => {
    const { store, args } = await seeded();
    const dir = emptyDir();
    const heads = join(dir, 'heads.json');
    let r = await runCli(['verify', ...args, '--record-heads', heads]);
    expect(r.code, r.stderr).to.equal(0);
    await store.save([makeEvent(), makeEvent()]);
    const other = await chainedStore(ctx.knex, tables, {
      tableName: store.tableName,
      archiveTableName: store.archiveTableName,
      integrity: { chainId: 'st-b' },
    });
    await other.save([makeEvent()]);

    r = await runCli(['verify', ...args, '--expect-heads', heads]);
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.include('  st-a: valid (5 rows; 2 past the recorded head: not covered by the checkpoint)');
    expect(r.stdout).to.include('  st-b: valid (1 rows; not in the heads file: not covered by the checkpoint)');
    expect(r.stdout.trim().split('\n').pop()).to.equal('2/2 chains valid; 3 row(s) not covered by the checkpoint');

    r = await runCli(['verify', ...args, '--expect-heads', heads, '--strict']);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.include(
      '  st-a: INVALID: not covered by the checkpoint (--strict): rows past the recorded head, from seq 4 (5 rows)',
    );
    expect(r.stdout).to.include(
      '  st-b: INVALID: not covered by the checkpoint (--strict): the chain is not in the heads file, from seq 1 (1 rows)',
    );
    r = await runCli(['verify', ...args, '--expect-heads', heads, '--strict', '--json']);
    expect(r.code).to.equal(1);
    const doc = JSON.parse(r.stdout);
    expect(doc).to.include({ ok: false, strict: true });
    expect(doc.logs[0]).to.include({ uncoveredRows: 3, uncoveredChains: 2 });

    // A closed period covered by its checkpoint passes --strict.
    const all = join(dir, 'all.json');
    expect((await runCli(['verify', ...args, '--record-heads', all])).code).to.equal(0);
    expect((await runCli(['verify', ...args, '--expect-heads', all, '--strict'])).code).to.equal(0);

    // --strict without a checkpoint is a usage error.
    r = await runCli(['verify', ...args, '--strict']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include('--strict needs --expect-heads');
  });

  it('a JSON key stored twice fails (where the database keeps the text) and is named escaped', async function () {
    if (dialect === 'postgres') this.skip(); // jsonb keeps one value per key: the forgery cannot be stored
    const { store, args } = await seeded();
    const [row] = await ctx.knex(store.tableName).where({ chain_id: 'st-a', seq: 1 }).select('id', 'content');
    const stored = typeof row.content === 'string' ? row.content : JSON.stringify(row.content);
    await ctx
      .knex(store.tableName)
      .where({ id: row.id })
      .update({ content: stored.replace('{', '{"amount":1000000,') });
    let r = await runCli(['verify', ...args]);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.include(
      '  st-a: INVALID: duplicate-key at seq 1: "amount" twice in one object of content (3 rows)',
    );

    // A key holding an escape sequence is printed as text.
    const hostileKey = '\u001b[2Jk\u202e';
    const writer = await chainedStore(ctx.knex, tables, {
      tableName: store.tableName,
      archiveTableName: store.archiveTableName,
      integrity: { chainId: 'st-h' },
    });
    await writer.save([makeEvent({ content: { [hostileKey]: 2 } })]);
    const [hostileRow] = await ctx.knex(store.tableName).where({ chain_id: 'st-h' }).select('id', 'content');
    const hostileText =
      typeof hostileRow.content === 'string' ? hostileRow.content : JSON.stringify(hostileRow.content);
    await ctx
      .knex(store.tableName)
      .where({ id: hostileRow.id })
      .update({ content: hostileText.replace('{', '{"\\u001b[2Jk\\u202e":1,') });
    r = await runCli(['verify', ...args]);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.include('"\\u001b[2Jk\\u202e" twice');
    expect(r.stdout).not.to.match(RAW_UNSAFE);
  });

  it('chain ids with terminal escapes, bidi controls and line separators are printed escaped', async () => {
    const { store, args } = await seeded();
    const hostile = 'x\u001b[2J\u001b]0;owned\u0007\u202e\u2028\u2066y';
    // A forged row naming a hostile chain (what someone with write access could insert).
    const [row] = await ctx.knex(store.tableName).where({ chain_id: 'st-a', seq: 1 }).select('*');
    await ctx.knex(store.tableName).insert({ ...row, id: `${row.id.slice(0, -4)}ffff`, chain_id: hostile });
    for (const json of [false, true]) {
      const r = await runCli(['verify', ...args, ...(json ? ['--json'] : [])]);
      expect(r.code).to.equal(1);
      expect(r.stdout + r.stderr).not.to.match(RAW_UNSAFE);
      if (json) expect(JSON.parse(r.stdout).logs[0].chains.map((c) => c.chainId)).to.include(hostile);
      else expect(r.stdout).to.include('x\\u001b[2J\\u001b]0;owned\\u0007\\u202e\\u2028\\u2066y: INVALID');
    }
  });

  it('heads files are written 0600 under umask 022; looser ones are reported when read or replaced', async () => {
    const { args } = await seeded();
    const dir = emptyDir();
    const heads = join(dir, 'heads.json');
    const previous = process.umask(0o022);
    try {
      let r = await runCli(['verify', ...args, '--record-heads', heads]);
      expect(r.code, r.stderr).to.equal(0);
      expect(statSync(heads).mode & 0o777).to.equal(0o600);
      expect(r.stderr).not.to.include('warning');

      chmodSync(heads, 0o644);
      r = await runCli(['verify', ...args, '--expect-heads', heads]);
      expect(r.code).to.equal(0);
      expect(r.stderr).to.include(`warning: heads file ${heads} has mode 0644, looser than 0600`);

      chmodSync(heads, 0o664);
      r = await runCli(['verify', ...args, '--record-heads', heads]);
      expect(r.code).to.equal(0);
      expect(r.stderr).to.include(`warning: heads file ${heads} had mode 0664, looser than 0600: replaced, now 0600`);
      expect(statSync(heads).mode & 0o777).to.equal(0o600);
      expect(JSON.parse(readFileSync(heads, 'utf8'))).to.be.an('object');

      // A symlink planted at the target is replaced, the file it points to left alone.
      const victim = join(dir, 'victim');
      writeFileSync(victim, 'keep');
      const link = join(dir, 'linked.json');
      symlinkSync(victim, link);
      r = await runCli(['verify', ...args, '--record-heads', link]);
      expect(r.code).to.equal(0);
      expect(readFileSync(victim, 'utf8')).to.equal('keep');
      expect(lstatSync(link).isSymbolicLink()).to.equal(false);
    } finally {
      process.umask(previous);
    }
  });
});
