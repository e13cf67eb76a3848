// GroupCommitWriter's prepareAhead: while its one batch is being written, the next batch is handed
// to write() early only when a full batch is waiting (a backlog); below that, events keep joining
// the next batch. write() here is held open, so what the writer hands over, and when, is visible.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { GroupCommitWriter } = require('../../packages/knex/dist/cjs/writer/group-commit.js');

const turn = () => new Promise((resolve) => setImmediate(resolve));

function heldWriter(prepareAhead) {
  const writes = [];
  const writer = new GroupCommitWriter({
    write: (rows) => new Promise((resolve) => writes.push({ rows, resolve })),
    batchSize: 3,
    lingerMs: 0,
    prepareAhead,
    writeTimeoutMs: 10_000,
    target: 'test',
  });
  return { writer, writes };
}

describe('GroupCommitWriter prepareAhead (a backlog is handed over one batch early)', () => {
  it('hands over a second batch during a write only once a full batch waits, never a third', async () => {
    const { writer, writes } = heldWriter(true);
    const saved = [writer.submit(['a']), writer.submit(['b'])];
    await turn();
    assert.deepEqual(
      writes.map((w) => w.rows),
      [['a', 'b']],
    );
    saved.push(writer.submit(['c']), writer.submit(['d']));
    await turn();
    assert.equal(writes.length, 1, 'two waiting events are not a full batch: they wait');
    saved.push(writer.submit(['e']));
    await turn();
    assert.deepEqual(writes[1].rows, ['c', 'd', 'e']);
    saved.push(...['f', 'g', 'h'].map((x) => writer.submit([x])));
    await turn();
    assert.equal(writes.length, 2, 'one batch ahead at most');
    writes[0].resolve();
    await turn();
    await turn(); // the writer starts its next batch from a fresh turn of the event loop
    assert.deepEqual(writes[2].rows, ['f', 'g', 'h'], 'the next full batch goes ahead once a slot frees');
    writes[1].resolve();
    writes[2].resolve();
    await Promise.all(saved);
    assert.equal(writer.stats.events, 8);
  });

  it('without it, the next batch waits for the write in progress, however many events wait', async () => {
    const { writer, writes } = heldWriter(false);
    const saved = ['a', 'b', 'c', 'd', 'e', 'f'].map((x) => writer.submit([x]));
    await turn();
    assert.equal(writes.length, 1);
    writes[0].resolve();
    await turn();
    await turn();
    assert.equal(writes.length, 2);
    writes[1].resolve();
    await Promise.all(saved);
  });
});
