// Issue 22, keyed rows: with `integrity: { key }` / `{ keys }` each link is an HMAC-SHA256 under the
// writer key and the row stores key_id, for KnexEventStore and DatabaseAuditLogger; verify looks
// each row's key up by id; unkeyed chains verify as before; a keyed chain cannot be downgraded.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { createPermissionAuditEvent } from '@audit-events/core';
import { DatabaseAuditLogger, KeySet, KnexEventStore, verifyPermissionLog } from '@audit-events/knex';
import { forEachDialect, uniqueTable } from '../helpers/databases.js';
import {
  chainedStore,
  dropAll,
  eventValues,
  GENESIS_HASH,
  makeEvent,
  onlyChain,
  specEventHash,
  verdicts,
} from './support.js';

const secret = () => randomBytes(32).toString('base64');
const quiet = { flushOnExit: false, handleSignals: false };

forEachDialect('keyed hash chains (issue 22)', (ctx) => {
  const tables = [];
  afterEach(() => dropAll(ctx.knex, tables));

  it('a keyed store writes key_id and an HMAC link in the documented format; verify needs the key', async () => {
    const key = { id: 'k1', secret: secret() };
    const store = await chainedStore(ctx.knex, tables, { integrity: { chainId: 'kc-a', key } });
    const events = [makeEvent(), makeEvent(), makeEvent()];
    await store.save(events);
    const rows = await ctx.knex(store.tableName).select('seq', 'key_id', 'hash', 'prev_hash').orderBy('seq');
    expect(rows.map((r) => r.key_id)).to.deep.equal(['k1', 'k1', 'k1']);
    const first = eventValues(events[0], { chain_id: 'kc-a', seq: 1, prev_hash: GENESIS_HASH });
    expect(rows[0].hash).to.equal(specEventHash(first, { keyId: 'k1', secret: key.secret }));
    expect(rows[0].hash).not.to.equal(specEventHash(first, { keyId: 'k1' }));

    expect(verdicts(await store.verify({ keys: new KeySet([key], null) }))).to.deep.equal({ 'kc-a': 'valid' });
    const chain = onlyChain(await store.verify({ keys: new KeySet([key], 'k1') }));
    expect(chain).to.include({ lastKeyId: 'k1' });
    expect(chain.keyIds).to.deep.equal(['k1']);
    // Without the key (or with another one of that id) nothing vouches for the rows.
    const without = onlyChain(await store.verify());
    expect(without).to.include({ valid: false, reason: 'unknown-key', firstBadSeq: 1, keyId: 'k1' });
    const wrong = onlyChain(await store.verify({ keys: new KeySet([{ id: 'k1', secret: secret() }], null) }));
    expect(wrong).to.include({ valid: false, reason: 'hash-mismatch', firstBadSeq: 1 });
  });

  it('unkeyed chains verify as before; given keys they fail unless allowUnkeyed', async () => {
    const store = await chainedStore(ctx.knex, tables, { integrity: { chainId: 'kc-plain' } });
    await store.save([makeEvent(), makeEvent()]);
    expect(verdicts(await store.verify())).to.deep.equal({ 'kc-plain': 'valid' });
    const keys = new KeySet([{ id: 'k1', secret: secret() }], 'k1');
    expect(verdicts(await store.verify({ keys }))).to.deep.equal({ 'kc-plain': 'unkeyed-row@1' });
    expect(verdicts(await store.verify({ keys, allowUnkeyed: true }))).to.deep.equal({ 'kc-plain': 'valid' });
  });

  it('a keyed chain continued unkeyed (a downgrade) fails at the first unkeyed row, even with allowUnkeyed', async () => {
    const key = { id: 'k1', secret: secret() };
    const keyed = await chainedStore(ctx.knex, tables, { integrity: { chainId: 'kc-down', key } });
    await keyed.save([makeEvent(), makeEvent()]);
    // A writer (or an attacker who read the format) appends plain-SHA rows to the same chain.
    const plain = new KnexEventStore(ctx.knex, {
      tableName: keyed.tableName,
      archiveTableName: keyed.archiveTableName,
      integrity: { chainId: 'kc-down' },
      lingerMs: 0,
    });
    await plain.save([makeEvent()]);
    const keys = new KeySet([key], 'k1');
    expect(verdicts(await keyed.verify({ keys }))).to.deep.equal({ 'kc-down': 'unkeyed-row@3' });
    expect(verdicts(await keyed.verify({ keys, allowUnkeyed: true }))).to.deep.equal({ 'kc-down': 'unkeyed-row@3' });
  });

  it('archive moves keep key_id: the chain verifies across both tables', async () => {
    const key = { id: 'k1', secret: secret() };
    const store = await chainedStore(ctx.knex, tables, { integrity: { chainId: 'kc-arc', key } });
    const old = Date.now() - 40 * 86_400_000;
    await store.save([
      makeEvent({ createdAt: new Date(old) }),
      makeEvent({ createdAt: new Date(old + 1000) }),
      makeEvent(),
    ]);
    const result = await store.archive({ olderThan: 30 });
    expect(result.archived).to.equal(2);
    const archived = await ctx.knex(store.archiveTableName).select('key_id');
    expect(archived.map((r) => r.key_id)).to.deep.equal(['k1', 'k1']);
    expect(verdicts(await store.verify({ keys: new KeySet([key], null) }))).to.deep.equal({ 'kc-arc': 'valid' });
  });

  it('a provider that throws fails that batch only, and nothing is written unkeyed', async () => {
    const key = { id: 'k1', secret: secret() };
    let broken = false;
    const provider = {
      current() {
        if (broken) throw new Error('vault unreachable');
        return key;
      },
      get: (id) => (id === 'k1' ? key : undefined),
    };
    const store = await chainedStore(ctx.knex, tables, { integrity: { chainId: 'kc-fail', keys: provider } });
    await store.save([makeEvent()]);
    broken = true;
    let err;
    await store.save([makeEvent()]).catch((e) => (err = e));
    expect(err, 'save must reject').to.exist;
    expect(err.code).to.equal('AUDIT_STORE_WRITE_FAILED');
    expect(String(err.cause?.message ?? err.message)).to.match(/current\(\) failed/);
    broken = false;
    await store.save([makeEvent()]);
    const rows = await ctx.knex(store.tableName).select('seq', 'key_id').orderBy('seq');
    expect(rows.map((r) => [Number(r.seq), r.key_id])).to.deep.equal([
      [1, 'k1'],
      [2, 'k1'],
    ]);
    expect(verdicts(await store.verify({ keys: new KeySet([key], null) }))).to.deep.equal({ 'kc-fail': 'valid' });
  });

  it('DatabaseAuditLogger with a key writes keyed rows that verify with the key set', async () => {
    const tableName = uniqueTable('kpal');
    tables.push(tableName);
    const key = { id: 'pk1', secret: secret() };
    const logger = new DatabaseAuditLogger({
      knex: ctx.knex,
      tableName,
      integrity: { chainId: 'kp-a', key },
      batchSize: 3,
      ...quiet,
    });
    for (let i = 0; i < 7; i++) {
      logger.record(
        createPermissionAuditEvent({
          action: 'read',
          attributes: ['a'],
          granted: i % 2 === 0,
          manager: 'Order',
          user: { id: String(i), repr: 'u' },
          permissions: ['p'],
        }),
      );
    }
    await logger.close();
    const rows = await ctx.knex(tableName).select('key_id');
    expect(rows.map((r) => r.key_id)).to.deep.equal(Array(7).fill('pk1'));
    const keys = new KeySet([key], null);
    expect(verdicts(await verifyPermissionLog(ctx.knex, { tableName, keys }))).to.deep.equal({ 'kp-a': 'valid' });
    expect(verdicts(await verifyPermissionLog(ctx.knex, { tableName }))).to.deep.equal({ 'kp-a': 'unknown-key@1' });
  });
});
