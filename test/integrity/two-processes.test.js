// Two processes write request events and permission decisions into the same tables at once,
// each on its own hash chain: verify() passes for both, across live and archive, and still
// catches an edited, a deleted and an inserted row in one chain while the other stays valid.
import { expect } from 'chai';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import knexFactory from 'knex';
import { newEventId } from '@audit-events/core';
import { DatabaseAuditLogger, KnexEventStore, sqliteKnexConfig, verifyPermissionLog } from '@audit-events/knex';
import { startNode } from '../helpers/child-process.js';
import { forEachDialect, tempDir, uniqueTable } from '../helpers/databases.js';
import { bindEventRow, chainRows, dropAll, specEventHash, verdicts } from './support.js';

const WRITER = fileURLToPath(new URL('../fixtures/integrity/writer.mjs', import.meta.url));
const EVENTS = 300;
const STEP_MS = 1000;
/** Rounds of EVENTS / ROUNDS events: every round of each writer starts with the other's. */
const ROUNDS = 6;

forEachDialect('hash chains written by two processes at once', (ctx, dialect) => {
  const tables = [];
  let knex;
  let filename;
  let store;
  let permissionTable;
  let writers;
  const baseTime = Date.UTC(2025, 0, 1);

  before(async function () {
    this.timeout(60_000);
    if (dialect === 'sqlite') {
      filename = join(tempDir(), `${uniqueTable('i2p')}.sqlite`);
      knex = knexFactory(sqliteKnexConfig(filename, { driver: ctx.driver }));
    } else {
      // Our own pool: the suite's is destroyed by an `after` hook that runs before ours.
      knex = knexFactory(ctx.config);
    }
    const tableName = uniqueTable('i2p');
    permissionTable = `${tableName}_perm`;
    tables.push(tableName, `${tableName}_arc`, permissionTable);
    store = new KnexEventStore(knex, { tableName, archiveTableName: `${tableName}_arc` });
    await store.migrate();
    await new DatabaseAuditLogger({
      knex,
      tableName: permissionTable,
      integrity: true,
      flushOnExit: false,
      handleSignals: false,
    }).ensureTable();
    const job = {
      ...(dialect === 'sqlite' ? { sqliteFile: filename, sqliteDriver: ctx.driver } : { knex: ctx.config }),
      tableName,
      archiveTableName: `${tableName}_arc`,
      permissionTable,
      events: EVENTS,
      rounds: ROUNDS,
      baseTime,
      stepMs: STEP_MS,
    };
    const children = [0, 1].map(() => startNode(WRITER, [JSON.stringify(job)], { stdin: true }));
    // A barrier per round: both writers start round r together, once both have committed round
    // r - 1, so each round's rows of the two chains lie between those of the rounds around it.
    for (let round = 1; round <= ROUNDS; round++) {
      for (const child of children) child.send(`go ${round}`);
      const reached = await Promise.all(children.map((child) => child.waitFor(new RegExp(`^round ${round}$`))));
      if (reached.includes(null)) break; // a writer died: its exit is reported below
    }
    // Ends a surviving writer still waiting for its next round (it exits with an error).
    for (const child of children) child.child.stdin.end();
    const exits = await Promise.all(children.map((c) => c.exited));
    writers = children.map((child, i) => {
      const line = child.lines.find((l) => l.startsWith('done '));
      if (exits[i].code !== 0 || !line) throw new Error(`writer ${i} failed (${exits[i].code}): ${child.stderr()}`);
      return JSON.parse(line.slice(5));
    });
  });
  after(async () => {
    await dropAll(knex, tables);
    await knex?.destroy();
  });

  it('both chains verify, for request events and for the permission log', async () => {
    expect(writers.map((w) => [w.events, w.decisions])).to.deep.equal([
      [EVENTS, EVENTS],
      [EVENTS, EVENTS],
    ]);
    const events = await store.verify();
    expect(events).to.include({
      valid: true,
      validChains: 2,
      totalChains: 2,
      chainedRows: 2 * EVENTS,
      unchainedRows: 0,
    });
    expect(events.chains.map((c) => c.chainId).sort()).to.deep.equal(writers.map((w) => w.chainId).sort());
    expect(events.chains.map((c) => c.lastSeq)).to.deep.equal([EVENTS, EVENTS]);
    const decisions = await verifyPermissionLog(knex, { tableName: permissionTable });
    expect(decisions).to.include({ valid: true, validChains: 2, totalChains: 2, chainedRows: 2 * EVENTS });
    expect(decisions.chains.map((c) => c.chainId).sort()).to.deep.equal(writers.map((w) => w.loggerChainId).sort());
  });

  it('the two chains really interleaved in the tables', async () => {
    // Insertion order of the permission log (its id) mixes both writers' rows.
    const ids = await knex(permissionTable).orderBy('id').select('chain_id');
    let switches = 0;
    for (let i = 1; i < ids.length; i++) if (ids[i].chain_id !== ids[i - 1].chain_id) switches++;
    expect(switches).to.be.greaterThan(1);
    // Both chains write in every round, and rounds do not overlap: one switch per round at least.
    expect(switches).to.be.at.least(ROUNDS);
  });

  it('archiving half of every chain keeps both verifiable across live and archive', async () => {
    const result = await store.archive({ olderThan: new Date(baseTime + (EVENTS / 2) * STEP_MS), batchSize: 70 });
    expect(result.archived).to.equal(EVENTS); // half of each writer's events
    for (const { chainId } of writers) {
      expect(await chainRows(knex, store.archiveTableName, chainId)).to.have.length(EVENTS / 2);
      expect(await chainRows(knex, store.tableName, chainId)).to.have.length(EVENTS / 2);
    }
    const report = await store.verify({ pageSize: 64 });
    expect(report).to.include({ valid: true, validChains: 2, chainedRows: 2 * EVENTS });
  });

  it('an edited, a deleted and an inserted row are each found in the right chain at the right seq', async () => {
    const [a, b] = writers.map((w) => w.chainId);
    const live = store.tableName;
    // Edited (in the archive half): a hash mismatch in chain a only.
    await knex(store.archiveTableName).where({ chain_id: a, seq: 17 }).update({ object_id: 'edited' });
    expect(verdicts(await store.verify())).to.deep.equal({ [a]: 'hash-mismatch@17', [b]: 'valid' });
    // Inserted after chain b's last row by someone who knows the format but links it wrongly.
    const forged = {
      id: newEventId(),
      created_at: new Date(),
      content_type: 'shop.order',
      object_id: 'forged',
      content: { refund: 1000 },
      chain_id: b,
      seq: EVENTS + 1,
      prev_hash: (await chainRows(knex, live, b))[10].hash,
    };
    forged.hash = specEventHash(forged);
    await knex(live).insert(bindEventRow(forged, dialect));
    expect(verdicts(await store.verify())).to.deep.equal({ [a]: 'hash-mismatch@17', [b]: `broken-link@${EVENTS + 1}` });
    await knex(live).where({ id: forged.id }).del();
    // Deleted (in the live half) from chain b.
    await knex(live).where({ chain_id: b, seq: 201 }).del();
    const report = await store.verify();
    expect(verdicts(report)).to.deep.equal({ [a]: 'hash-mismatch@17', [b]: 'seq-gap@201' });
    expect(report).to.include({ validChains: 0, totalChains: 2, chainedRows: 2 * EVENTS - 1 });
  });
});
