// Issue 22 "Done when": against keyed chains and signed checkpoints, each attack by someone with
// write access to the database but without the writer key — edit + re-hash with the format known,
// append after a checkpoint, delete the newest rows, fabricate a chain, replay a row from another
// chain, swap key ids — makes `audit-events verify` exit 1 naming the chain and the row; rotation
// across three keys verifies clean; a bad checkpoint file fails naming the file.
import { expect } from 'chai';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPermissionAuditEvent } from '@audit-events/core';
import { DatabaseAuditLogger, KeySet, KnexEventStore } from '@audit-events/knex';
import { dbUrl, emptyDir, runCli } from '../cli/harness.js';
import { forEachDialect } from '../helpers/databases.js';
import { bindEventRow, chainedStore, dropAll, eventValues, makeEvent, specEventHash } from './support.js';

const secret = () => randomBytes(32).toString('base64');

forEachDialect('keyed chains and checkpoints against attacks (issue 22)', (ctx, dialect) => {
  const tables = [];
  afterEach(() => dropAll(ctx.knex, tables));

  /** Two keyed chains (3 rows each), a signed checkpoint, and the files verify needs. */
  async function setup() {
    const dir = emptyDir();
    const k1 = { id: 'k1', secret: secret() };
    const k2 = { id: 'k2', secret: secret() };
    let current = k1;
    const provider = { current: () => current, get: (id) => [k1, k2].find((k) => k.id === id) };
    const a = await chainedStore(ctx.knex, tables, { integrity: { chainId: 'att-a', keys: provider } });
    const b = await chainedStore(ctx.knex, tables, {
      tableName: a.tableName,
      archiveTableName: a.archiveTableName,
      integrity: { chainId: 'att-b', key: k1 },
    });
    const events = { a: [makeEvent(), makeEvent()], b: [makeEvent(), makeEvent(), makeEvent()] };
    await a.save(events.a);
    current = k2; // rotation: the third row of att-a is signed by k2
    const third = makeEvent();
    events.a.push(third);
    await a.save([third]);
    await b.save(events.b);
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const checkpoints = join(dir, 'checkpoints');
    (await import('node:fs')).mkdirSync(checkpoints);
    const written = await a.checkpoint({
      dir: checkpoints,
      privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    });
    const keysFile = join(dir, 'keys.json');
    writeFileSync(keysFile, JSON.stringify({ current: 'k2', keys: [{ ...k1, retired: true }, k2] }), { mode: 0o600 });
    const publicFile = join(dir, 'public.pem');
    writeFileSync(publicFile, publicKey.export({ type: 'spki', format: 'pem' }));
    const args = [
      'verify',
      '--db',
      dbUrl(dialect, ctx),
      '--table',
      a.tableName,
      '--archive-table',
      a.archiveTableName,
      '--keys',
      keysFile,
      '--checkpoints',
      checkpoints,
      '--public-key',
      publicFile,
    ];
    return { a, b, k1, k2, events, args, checkpoints, written, privateKey, setCurrent: (k) => (current = k) };
  }

  async function rowsOf(store, chainId) {
    return (await ctx.knex(store.tableName).where({ chain_id: chainId }).orderBy('seq')).map((r) => ({
      ...r,
      seq: Number(r.seq),
    }));
  }

  /** A forged row: the documented format, with key_id claimed but no key (the attacker has none). */
  function forged(event, chain, keyId) {
    const values = eventValues(event, chain);
    const hash = keyId === null ? specEventHash(values) : specEventHash(values, { keyId });
    return { ...bindEventRow({ ...values, hash }, dialect), key_id: keyId };
  }

  async function expectFailure(args, line) {
    const r = await runCli(args);
    expect(r.code, r.stdout + r.stderr).to.equal(1);
    expect(r.stdout).to.include(line);
    return r;
  }

  it('the untouched database verifies clean with keys and checkpoints; the checkpoint is 0600 and names its key ids', async () => {
    const { args, written, checkpoints } = await setup();
    const r = await runCli(args);
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.include('  att-a: valid (3 rows)');
    expect(r.stdout).to.include('  att-b: valid (3 rows)');
    expect(r.stdout).to.include('1 signed checkpoint(s) verified');
    expect(statSync(written.file).mode & 0o777).to.equal(0o600);
    expect(readdirSync(checkpoints)).to.deep.equal(['checkpoint-00000001.json']);
    const payload = JSON.parse(JSON.parse(readFileSync(written.file, 'utf8')).payload);
    expect(payload.previous).to.equal(null);
    const heads = Object.values(payload.tables)[0];
    expect(heads.map((h) => [h.chainId, h.seq, h.keyId])).to.deep.equal([
      ['att-a', 3, 'k2'],
      ['att-b', 3, 'k1'],
    ]);
    expect(heads[0].time).to.be.a('string');
  });

  it('edit + re-hash of the tail with the format known: exit 1, hash-mismatch at the edited row', async () => {
    const { a, args, events } = await setup();
    const rows = await rowsOf(a, 'att-a');
    let prev = rows[0].hash;
    for (let i = 1; i < 3; i++) {
      const event = i === 1 ? { ...events.a[1], content: { ...events.a[1].content, total: 0.01 } } : events.a[i];
      const row = forged(event, { chain_id: 'att-a', seq: i + 1, prev_hash: prev }, rows[i].key_id);
      await ctx
        .knex(a.tableName)
        .where({ id: rows[i].id })
        .update({ content: row.content, prev_hash: row.prev_hash, hash: row.hash });
      prev = row.hash;
    }
    await expectFailure(args, '  att-a: INVALID: hash-mismatch at seq 2');
    // The same rewrite as plain, unkeyed rows (a downgrade) fails too.
    await ctx.knex(a.tableName).where({ chain_id: 'att-a' }).andWhere('seq', '>=', 2).update({ key_id: null });
    await expectFailure(args, '  att-a: INVALID: unkeyed-row at seq 2');
  });

  it("append after the checkpoint: a writer's rows are reported (exit 0) and fail --strict; a forged row fails", async () => {
    const { b, args } = await setup();
    await b.save([makeEvent()]);
    let r = await runCli(args);
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.include('  att-b: valid (4 rows; 1 past the recorded head: not covered by the checkpoint)');
    await expectFailure(
      [...args, '--strict'],
      '  att-b: INVALID: not covered by the checkpoint (--strict): rows past the recorded head, from seq 4',
    );
    const [head] = (await rowsOf(b, 'att-b')).slice(-1);
    await ctx.knex(b.tableName).insert(forged(makeEvent(), { chain_id: 'att-b', seq: 5, prev_hash: head.hash }, 'k1'));
    await expectFailure(args, '  att-b: INVALID: hash-mismatch at seq 5');
  });

  it('delete the newest rows: exit 1, missing-tail at the first deleted row', async () => {
    const { a, args } = await setup();
    await ctx.knex(a.tableName).where({ chain_id: 'att-a' }).andWhere('seq', '>=', 2).del();
    await expectFailure(args, '  att-a: INVALID: missing-tail at seq 2');
    // Deleting a whole chain is a missing tail from seq 1.
    await ctx.knex(a.tableName).where({ chain_id: 'att-b' }).del();
    await expectFailure(args, '  att-b: INVALID: missing-tail at seq 1');
  });

  it('fabricate a chain: exit 1 at its first row, keyed-looking or plain', async () => {
    const { a, args } = await setup();
    const first = forged(makeEvent(), { chain_id: 'att-z', seq: 1, prev_hash: '0'.repeat(64) }, 'k2');
    await ctx.knex(a.tableName).insert(first);
    await ctx.knex(a.tableName).insert(forged(makeEvent(), { chain_id: 'att-z', seq: 2, prev_hash: first.hash }, 'k2'));
    await expectFailure(args, '  att-z: INVALID: hash-mismatch at seq 1');
    await ctx.knex(a.tableName).where({ chain_id: 'att-z' }).update({ key_id: null });
    await expectFailure(args, '  att-z: INVALID: unkeyed-row at seq 1');
  });

  it('replay a row from another chain: exit 1 at the replayed row', async () => {
    const { a, args } = await setup();
    const [donor] = (await rowsOf(a, 'att-b')).slice(1, 2);
    const [head] = (await rowsOf(a, 'att-a')).slice(-1);
    const { id: _id, ...copy } = await ctx.knex(a.tableName).where({ id: donor.id }).first();
    for (const column of ['content', 'query_params', 'post_data', 'headers']) {
      if (copy[column] !== null && typeof copy[column] === 'object') copy[column] = JSON.stringify(copy[column]);
    }
    await ctx
      .knex(a.tableName)
      .insert({ ...copy, id: `replay-${donor.id}`.slice(0, 36), chain_id: 'att-a', seq: 4, prev_hash: head.hash });
    await expectFailure(args, '  att-a: INVALID: hash-mismatch at seq 4');
  });

  it('swap key ids: exit 1 at the row whose key id was changed', async () => {
    const { a, args } = await setup();
    await ctx.knex(a.tableName).where({ chain_id: 'att-a', seq: 1 }).update({ key_id: 'k2' });
    await expectFailure(args, '  att-a: INVALID: hash-mismatch at seq 1');
    await ctx.knex(a.tableName).where({ chain_id: 'att-a', seq: 1 }).update({ key_id: 'k1' });
    await ctx.knex(a.tableName).where({ chain_id: 'att-a', seq: 3 }).update({ key_id: 'k9' });
    await expectFailure(args, '  att-a: INVALID: unknown-key at seq 3: the row names key "k9"');
  });

  it('rotation across three keys verifies clean; retired keys verify but cannot sign', async () => {
    const keys = ['r1', 'r2', 'r3'].map((id) => ({ id, secret: secret() }));
    let current = keys[0];
    const provider = { current: () => current, get: (id) => keys.find((k) => k.id === id) };
    const store = await chainedStore(ctx.knex, tables, { integrity: { chainId: 'rot', keys: provider } });
    for (const key of keys) {
      current = key;
      await store.save([makeEvent(), makeEvent()]);
    }
    const rows = await rowsOf(store, 'rot');
    expect(rows.map((r) => r.key_id)).to.deep.equal(['r1', 'r1', 'r2', 'r2', 'r3', 'r3']);
    const dir = emptyDir();
    const keysFile = join(dir, 'keys.json');
    writeFileSync(
      keysFile,
      JSON.stringify({ current: 'r3', keys: [{ ...keys[0], retired: true }, { ...keys[1], retired: true }, keys[2]] }),
      { mode: 0o600 },
    );
    const r = await runCli([
      'verify',
      '--db',
      dbUrl(dialect, ctx),
      '--table',
      store.tableName,
      '--archive-table',
      store.archiveTableName,
      '--keys',
      keysFile,
      '--json',
    ]);
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(JSON.parse(r.stdout).logs[0].chains[0]).to.deep.include({
      chainId: 'rot',
      valid: true,
      rows: 6,
      keyIds: ['r1', 'r2', 'r3'],
      lastKeyId: 'r3',
    });
    // A retired key cannot sign: the batch fails, nothing is written.
    current = { ...keys[0], retired: true };
    const err = await store.save([makeEvent()]).catch((e) => e);
    expect(err?.code).to.equal('AUDIT_STORE_WRITE_FAILED');
    expect((await rowsOf(store, 'rot')).length).to.equal(6);
    expect(() => new KeySet([{ ...keys[0], retired: true }], 'r1')).to.throw(/retired/);
  });

  it('checkpoint files: a chain of runs verifies; an altered, unparsable or missing one exits 1 naming the file', async () => {
    const { a, args, checkpoints, privateKey } = await setup();
    await a.save([makeEvent()]);
    const second = await a.checkpoint({ dir: checkpoints, privateKey });
    expect(JSON.parse(JSON.parse(readFileSync(second.file, 'utf8')).payload).previous).to.match(/^[0-9a-f]{64}$/);
    const third = await a.checkpoint({ dir: checkpoints, privateKey });
    let r = await runCli(args);
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.include(`3 signed checkpoint(s) verified, latest ${third.file}`);

    // Altered payload (a head rolled back to hide a deletion): the signature fails.
    const original = readFileSync(second.file, 'utf8');
    const doc = JSON.parse(original);
    doc.payload = doc.payload.replace('"seq":4', '"seq":3');
    writeFileSync(second.file, JSON.stringify(doc));
    r = await runCli(args);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include(`checkpoint ${second.file}: signature does not verify`);
    writeFileSync(second.file, '{ not json');
    r = await runCli(args);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include(`checkpoint ${second.file}: is not valid JSON`);
    rmSync(second.file);
    r = await runCli(args);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include(`checkpoint ${third.file}: checkpoint checkpoint-00000002.json is missing`);
    // Signed with another key: fails too.
    writeFileSync(second.file, original);
    const other = generateKeyPairSync('ed25519');
    writeFileSync(args[args.indexOf('--public-key') + 1], other.publicKey.export({ type: 'spki', format: 'pem' }));
    r = await runCli(args);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include('checkpoint-00000001.json: signature does not verify');
  });

  it('an auditor with only the public key verifies the rows up to the checkpoints, and catches an edit', async () => {
    const { a, args } = await setup();
    const keysAt = args.indexOf('--keys');
    const publicOnly = [...args.slice(0, keysAt), ...args.slice(keysAt + 2)];
    let r = await runCli(publicOnly);
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.include('  att-a: valid (3 rows)');
    // Content changed, hashes left alone: without the key only the signed content digest sees it.
    const [row] = (await rowsOf(a, 'att-a')).slice(1, 2);
    await ctx.knex(a.tableName).where({ id: row.id }).update({ user_id: 'mallory' });
    r = await expectFailure(publicOnly, '  att-a: INVALID: head-mismatch at seq 3');
    expect(r.stdout).to.include('  att-b: valid (3 rows)');
    // With the keys the edited row itself is named.
    await expectFailure(args, '  att-a: INVALID: hash-mismatch at seq 2');
  });

  it('`audit-events checkpoint` and `keys` commands write a signed checkpoint verify accepts', async () => {
    const { a, k1, k2 } = await setup();
    const dir = emptyDir();
    let r = await runCli(['keys', 'signing-pair', '--private', 'cp.pem', '--public', 'cp.pub.pem'], { cwd: dir });
    expect(r.code, r.stderr).to.equal(0);
    expect(statSync(join(dir, 'cp.pem')).mode & 0o777).to.equal(0o600);
    r = await runCli(['keys', 'generate', '--id', 'k-new']);
    expect(r.code).to.equal(0);
    const entry = JSON.parse(r.stdout);
    expect(entry.id).to.equal('k-new');
    expect(Buffer.from(entry.secret, 'base64')).to.have.length(32);
    (await import('node:fs')).mkdirSync(join(dir, 'cps'));
    const db = ['--db', dbUrl(dialect, ctx), '--table', a.tableName, '--archive-table', a.archiveTableName];
    r = await runCli(['checkpoint', ...db, '--out', 'cps', '--private-key', 'cp.pem'], { cwd: dir });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/checkpoint 1 written to .*checkpoint-00000001\.json: 2 chain head\(s\)/);
    // A verify-only key set (no current key) is enough for an auditor.
    writeFileSync(join(dir, 'keys.json'), JSON.stringify({ keys: [k1, k2] }), { mode: 0o600 });
    r = await runCli(['verify', ...db, '--keys', 'keys.json', '--checkpoints', 'cps', '--public-key', 'cp.pub.pem'], {
      cwd: dir,
    });
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.include('1 signed checkpoint(s) verified');
  });

  it('a keyed permission audit table: checkpoint --permission-table, then a deleted newest row is caught', async () => {
    const { a, args } = await setup();
    const permissionTable = `${a.tableName}_perm`;
    tables.push(permissionTable);
    const logger = new DatabaseAuditLogger({
      knex: ctx.knex,
      tableName: permissionTable,
      integrity: {
        chainId: 'perm-a',
        key: { id: 'k1', secret: JSON.parse(readFileSync(args[args.indexOf('--keys') + 1], 'utf8')).keys[0].secret },
      },
      flushOnExit: false,
      handleSignals: false,
    });
    for (let i = 0; i < 4; i++)
      logger.record(
        createPermissionAuditEvent({ action: 'read', attributes: ['a'], granted: i % 2 === 0, permissions: ['p'] }),
      );
    await logger.close();
    const dbArgs = args.slice(1, 7);
    const dir = emptyDir();
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(join(dir, 'p.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    // The setup's checkpoints were signed by another key: a new directory for this signer.
    (await import('node:fs')).mkdirSync(join(dir, 'cps'));
    let r = await runCli([
      'checkpoint',
      ...dbArgs,
      '--permission-table',
      permissionTable,
      '--out',
      join(dir, 'cps'),
      '--private-key',
      join(dir, 'p.pem'),
    ]);
    expect(r.code, r.stderr).to.equal(0);
    const { createPublicKey } = await import('node:crypto');
    writeFileSync(join(dir, 'p.pub'), createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }));
    const verifyArgs = [
      'verify',
      ...dbArgs,
      '--permission-table',
      permissionTable,
      '--keys',
      args[args.indexOf('--keys') + 1],
      '--checkpoints',
      join(dir, 'cps'),
      '--public-key',
      join(dir, 'p.pub'),
    ];
    r = await runCli(verifyArgs);
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.include('  perm-a: valid (4 rows)');
    await ctx.knex(permissionTable).where({ chain_id: 'perm-a', seq: 4 }).del();
    await expectFailure(verifyArgs, '  perm-a: INVALID: missing-tail at seq 4');
  });

  it('verify without any hash chain exits 1 ("no hash chains found"); --allow-empty accepts it', async () => {
    const store = new KnexEventStore(ctx.knex, {
      tableName: `nochain_${Date.now() % 1e6}`,
      archiveTableName: `nochain_${Date.now() % 1e6}_a`,
    });
    tables.push(store.tableName, store.archiveTableName);
    await store.migrate();
    await store.save([makeEvent()]);
    const args = [
      'verify',
      '--db',
      dbUrl(dialect, ctx),
      '--table',
      store.tableName,
      '--archive-table',
      store.archiveTableName,
    ];
    let r = await runCli(args);
    expect(r.code, r.stdout).to.equal(1);
    expect(r.stdout).to.include('0/0 chains valid');
    expect(r.stderr).to.include('no hash chains found');
    r = await runCli([...args, '--allow-empty']);
    expect(r.code, r.stderr).to.equal(0);
  });
});
