// GroupCommitWriter's rejoinMs: after a commit, with events waiting, the next batch waits for the
// callers that commit answered to save again (a request that responds, then its client's next
// request), so they join it rather than the batch after; bounded by rejoinMs and by the commit's own
// duration, and never by close() or flush(). write() here is held open, so what the writer hands
// over, and when, is visible.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';

const require = createRequire(import.meta.url);
const { GroupCommitWriter } = require('../../packages/knex/dist/cjs/writer/group-commit.js');

const turn = () => new Promise((resolve) => setImmediate(resolve));

function heldWriter(rejoinMs, batchSize = 100) {
  const writes = [];
  const writer = new GroupCommitWriter({
    write: (rows) => new Promise((resolve) => writes.push({ rows, resolve, at: performance.now() })),
    batchSize,
    lingerMs: 0,
    rejoinMs,
    writeTimeoutMs: 10_000,
    target: 'test',
  });
  return { writer, writes };
}

/** Saves a, b (the first batch), then c, d while it is written; resolves the first batch after `holdMs`. */
async function firstCommit(writer, writes, holdMs) {
  const first = [writer.submit(['a']), writer.submit(['b'])];
  await turn();
  assert.deepEqual(writes[0].rows, ['a', 'b']);
  const waiting = [writer.submit(['c']), writer.submit(['d'])];
  await sleep(holdMs);
  writes[0].resolve();
  await Promise.all(first);
  return waiting;
}

describe('GroupCommitWriter rejoinMs (the callers a commit answered join the next batch)', () => {
  it('holds the next batch until the answered callers are back, then starts it on the next turn', async () => {
    const { writer, writes } = heldWriter(5_000);
    const waiting = await firstCommit(writer, writes, 40);
    await turn();
    await turn();
    assert.equal(writes.length, 1, 'c and d wait for a and b to come back');
    const back = [writer.submit(['a2'])];
    await turn();
    assert.equal(writes.length, 1, 'one of the two answered callers is back: still waiting');
    back.push(writer.submit(['b2']), writer.submit(['x']));
    assert.equal(writes.length, 1, 'not inside the saving call: the rest of this turn joins too');
    await turn();
    assert.deepEqual(writes[1].rows, ['c', 'd', 'a2', 'b2', 'x']);
    writes[1].resolve();
    await Promise.all([...waiting, ...back]);
    assert.equal(writer.stats.batches, 2);
  });

  it('waits no longer than rejoinMs when the callers do not come back', async () => {
    const { writer, writes } = heldWriter(15);
    const waiting = await firstCommit(writer, writes, 60);
    const committed = performance.now();
    while (writes.length < 2) await sleep(1);
    const waited = writes[1].at - committed;
    assert.ok(waited >= 10, `started ${waited.toFixed(1)} ms after the commit: it did wait`);
    assert.ok(waited < 15 + 200, `started ${waited.toFixed(1)} ms after the commit`);
    assert.deepEqual(writes[1].rows, ['c', 'd']);
    writes[1].resolve();
    await Promise.all(waiting);
  });

  it('waits no longer than the commit took, however large rejoinMs is', async () => {
    const { writer, writes } = heldWriter(10_000);
    const waiting = await firstCommit(writer, writes, 0);
    const committed = performance.now();
    while (writes.length < 2) await sleep(1);
    // The first commit took a few turns of the event loop; a 10 s wait would show here.
    assert.ok(writes[1].at - committed < 500, `started ${(writes[1].at - committed).toFixed(1)} ms after the commit`);
    writes[1].resolve();
    await Promise.all(waiting);
  });

  it('with rejoinMs 0 the next batch starts on the next turn, as before', async () => {
    const { writer, writes } = heldWriter(0);
    const waiting = await firstCommit(writer, writes, 40);
    await turn();
    await turn();
    assert.deepEqual(writes[1].rows, ['c', 'd']);
    writes[1].resolve();
    await Promise.all(waiting);
  });

  it('flush() and close() end the wait at once; a full batch does not wait either', async () => {
    const held = heldWriter(5_000);
    const waiting = await firstCommit(held.writer, held.writes, 40);
    await turn();
    const flushed = held.writer.flush();
    await turn();
    assert.deepEqual(held.writes[1].rows, ['c', 'd'], 'flush() starts the waiting batch');
    held.writes[1].resolve();
    await Promise.all([flushed, ...waiting]);

    const full = heldWriter(5_000, 3);
    const first = await firstCommit(full.writer, full.writes, 40);
    const more = [full.writer.submit(['e'])];
    await turn();
    assert.deepEqual(full.writes[1].rows, ['c', 'd', 'e'], 'batchSize reached: no wait');
    const backlog = ['f', 'g', 'h', 'i'].map((x) => full.writer.submit([x]));
    full.writes[1].resolve();
    await turn();
    await turn();
    assert.deepEqual(full.writes[2].rows, ['f', 'g', 'h'], 'a full batch waiting after a commit: no wait');
    more.push(...backlog);
    full.writes[2].resolve();
    await turn();
    await turn();
    await new Promise((resolve) => setTimeout(resolve, 50)); // i: the commit took no time, nor does its wait
    full.writes[3].resolve();
    const closing = full.writer.close();
    await Promise.all([...first, ...more, closing]);
    assert.equal(full.writer.stats.pendingEvents, 0);
  });

  it('leaves no timer behind once the last batch has settled', async () => {
    const { writer, writes } = heldWriter(5_000);
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    await turn(); // mocha arms its own test timeout once this function has returned its promise
    const before = timers();
    const waiting = await firstCommit(writer, writes, 40);
    while (writes.length < 2) await sleep(5);
    writes[1].resolve();
    await Promise.all(waiting);
    await turn();
    assert.equal(timers(), before);
  });
});
