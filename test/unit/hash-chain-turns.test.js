// HashChain writes batches one at a time, in the order they were handed over. A batch handed over
// while the one before it is still being written is stamped at once (the writer prepares it during
// the other's I/O) and keeps those stamps only when its turn finds the chain where it expected.
// The target here is a controllable write() (the coordination under test is HashChain's own);
// test/integrity/event-chains.test.js runs the same backlog against every database.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { createSecretKey } from 'node:crypto';

const require = createRequire(import.meta.url);
const { HashChain } = require('../../packages/knex/dist/cjs/integrity/chain-writer.js');
const { GENESIS } = require('../../packages/knex/dist/cjs/integrity/stamp-rows.js');
const { EVENT_LAYOUT } = require('../../packages/knex/dist/cjs/integrity/row-layout.js');
const { Keyring } = require('../../packages/knex/dist/cjs/integrity/keys/keyring.js');

const rows = (...ids) => ids.map((id) => ({ id, content: '{}' }));

/** A target whose writes wait until released; it records the order and the stamps it was given. */
function controlledTarget({ head = null } = {}) {
  const writes = [];
  const target = {
    layout: EVENT_LAYOUT,
    extraKinds: new Map(),
    jsonIsCanonical: true,
    readHead: async () => head,
    failedBeforeCommit: (err) => err.beforeCommit === true,
    isUniqueViolation: () => false,
    write(batch) {
      return new Promise((resolve, reject) => {
        writes.push({ seqs: batch.map((r) => r.seq), first: { ...batch[0] }, resolve, reject });
      });
    },
  };
  return { target, writes, setHead: (h) => (head = h) };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('HashChain: batches in turn, the next one stamped ahead', () => {
  it('stamps a batch handed over during a write at once, and writes it only after that write', async () => {
    const chain = new HashChain('c1', true);
    const { target, writes } = controlledTarget();
    const a = rows('a1', 'a2');
    const b = rows('b1', 'b2', 'b3');
    const first = chain.write(a, target);
    await tick();
    assert.equal(writes.length, 1);
    const second = chain.write(b, target);
    // Stamped while the first write is pending: positions 3–5, linked to a2.
    assert.deepEqual(
      b.map((r) => r.seq),
      [3, 4, 5],
    );
    assert.equal(b[0].prev_hash, a[1].hash);
    const stampedHash = b[2].hash;
    await tick();
    assert.equal(writes.length, 1, 'the second batch waits for its turn');
    writes[0].resolve();
    await first;
    await tick();
    assert.equal(writes.length, 2);
    assert.equal(b[2].hash, stampedHash, 'the stamps made ahead were kept');
    writes[1].resolve();
    await second;
  });

  it('stamps again from the unchanged head when the batch before failed without committing', async () => {
    const chain = new HashChain('c1', true);
    const { target, writes } = controlledTarget();
    const a = rows('a1', 'a2');
    const b = rows('b1');
    const first = chain.write(a, target).catch((err) => err);
    await tick();
    const second = chain.write(b, target);
    assert.equal(b[0].seq, 3);
    writes[0].reject(Object.assign(new Error('refused'), { beforeCommit: true }));
    assert.equal((await first).message, 'refused');
    await tick();
    // The gap a stale stamp would leave is closed: b takes position 1, after the genesis.
    assert.deepEqual(writes[1].seqs, [1]);
    assert.equal(writes[1].first.prev_hash, GENESIS.hash);
    writes[1].resolve();
    await second;
  });

  it('reads the head back when the batch before has an unknown outcome, and stamps from it', async () => {
    const chain = new HashChain('c1', true);
    const { target, writes, setHead } = controlledTarget();
    const a = rows('a1', 'a2');
    const b = rows('b1');
    const first = chain.write(a, target).catch((err) => err);
    await tick();
    const second = chain.write(b, target);
    // The lost write did commit: the database's head is a2.
    setHead({ seq: 2, hash: a[1].hash });
    writes[0].reject(new Error('connection lost'));
    await first;
    await tick();
    assert.deepEqual(writes[1].seqs, [3]);
    assert.equal(writes[1].first.prev_hash, a[1].hash);
    // Had it not committed, the head read back decides instead.
    writes[1].resolve();
    await second;
  });

  it('signs with the key current at the batch’s turn: a rotation in between restamps it', async () => {
    const keys = {
      k1: { id: 'k1', secret: createSecretKey(Buffer.alloc(32, 1)) },
      k2: { id: 'k2', secret: createSecretKey(Buffer.alloc(32, 2)) },
    };
    let current = keys.k1;
    const keyring = new Keyring({ current: () => current, get: (id) => keys[id] });
    const chain = new HashChain('c1', true, keyring);
    const { target, writes } = controlledTarget();
    const a = rows('a1');
    const b = rows('b1');
    const first = chain.write(a, target);
    await tick();
    const second = chain.write(b, target);
    assert.equal(b[0].key_id, 'k1');
    const aheadHash = b[0].hash;
    current = keys.k2;
    writes[0].resolve();
    await first;
    await tick();
    assert.equal(writes[1].first.key_id, 'k2');
    assert.notEqual(writes[1].first.hash, aheadHash);
    writes[1].resolve();
    await second;
  });

  it('a key that cannot be had ahead fails the batch in its turn, never before the batch ahead settled', async () => {
    let failures = 0;
    const key = { id: 'k1', secret: createSecretKey(Buffer.alloc(32, 1)) };
    const keyring = new Keyring({
      current: () => {
        if (failures > 0) {
          failures--;
          throw new Error('vault down');
        }
        return key;
      },
      get: () => key,
    });
    const chain = new HashChain('c1', true, keyring);
    const { target, writes } = controlledTarget();
    const first = chain.write(rows('a1'), target);
    await tick();
    // The next three asks fail: the second and third batches' ahead of their turns, and the second's turn.
    failures = 3;
    let settled = false;
    const second = chain.write(rows('b1'), target).then(
      () => assert.fail('written without a key'),
      (err) => {
        settled = true;
        return err;
      },
    );
    const third = chain.write(rows('c1'), target);
    await tick();
    assert.equal(settled, false, 'the batch waits for the one ahead even though its key failed');
    writes[0].resolve();
    await first;
    assert.equal((await second).name, 'SigningKeyError');
    await tick();
    // The third batch follows the first: the failed one took no position.
    assert.deepEqual(writes[1].seqs, [2]);
    writes[1].resolve();
    await third;
    assert.equal(failures, 0);
  });
});
