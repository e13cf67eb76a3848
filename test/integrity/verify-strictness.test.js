// Issue 16 item 11, library level: what verify() must not let pass quietly. Unchained rows in
// tables that hold chains fail; a JSON key stored twice (SQL reads the first, the hash the last)
// fails; with expectedHeads, rows no recorded head vouches for are counted, and fail when strict.
import { expect } from 'chai';
import { ConfigurationError } from '@audit-events/core';
import { KnexEventStore, verifyEventLog } from '@audit-events/knex';
import { forEachDialect } from '../helpers/databases.js';
import { chainedStore, dropAll, makeEvent } from './support.js';

forEachDialect('verify: unchained rows, duplicate JSON keys, uncovered rows (issue 16)', (ctx, dialect) => {
  const tables = [];
  afterEach(() => dropAll(ctx.knex, tables));

  it('fails on rows without a chain in tables that hold chains; allowUnchainedRows counts them instead', async () => {
    const store = await chainedStore(ctx.knex, tables);
    await store.save([makeEvent(), makeEvent()]);
    // A writer without integrity (or someone inserting around the chain) adds rows with chain_id null.
    const plain = new KnexEventStore(ctx.knex, {
      tableName: store.tableName,
      archiveTableName: store.archiveTableName,
    });
    await plain.save([makeEvent(), makeEvent()]);
    const report = await store.verify();
    expect(report).to.include({
      valid: false,
      validChains: 1,
      totalChains: 1,
      unchainedRows: 2,
      unchainedRowsFail: true,
    });
    const lenient = await store.verify({ allowUnchainedRows: true });
    expect(lenient).to.include({ valid: true, unchainedRows: 2, unchainedRowsFail: false });
    // The same through the store-less function the CLI uses.
    expect(
      await verifyEventLog(ctx.knex, { tableName: store.tableName, archiveTableName: store.archiveTableName }),
    ).to.include({
      valid: false,
      unchainedRowsFail: true,
    });
  });

  it('tables never written with integrity stay valid: nothing claims to be chained', async () => {
    const only = await chainedStore(ctx.knex, tables, { integrity: false });
    await only.save([makeEvent()]);
    expect(await only.verify()).to.include({ valid: true, totalChains: 0, unchainedRows: 1, unchainedRowsFail: false });
  });

  it('a JSON key stored twice fails with duplicate-key where the text is kept (SQLite, MariaDB)', async () => {
    const store = await chainedStore(ctx.knex, tables);
    await store.save([makeEvent({ content: { amount: 100, nested: { to: 'alice' } } }), makeEvent()]);
    const [row] = await ctx.knex(store.tableName).where({ seq: 1 }).select('id', 'content');
    const stored = typeof row.content === 'string' ? row.content : JSON.stringify(row.content);
    expect(JSON.parse(stored)).to.deep.equal({ amount: 100, nested: { to: 'alice' } });

    const forgeries = [
      ['amount', stored.replace('{', '{"amount":1000000,')],
      ['amount', stored.replace('{', '{"am\\u006funt":1000000,')], // the same key, escaped
      ['to', stored.replace('"to":', '"to":"mallory","to":')], // inside a nested object
    ];
    for (const [key, forged] of forgeries) {
      await ctx.knex(store.tableName).where({ id: row.id }).update({ content: forged });
      const report = await store.verify();
      if (dialect === 'postgres') {
        // jsonb keeps one value per key (the last): the forged text never reaches the table.
        expect(report.valid, forged).to.equal(true);
        continue;
      }
      const [chain] = report.chains;
      expect(chain, forged).to.deep.include({ valid: false, reason: 'duplicate-key', firstBadSeq: 1 });
      expect(chain.duplicateKey).to.deep.equal({ column: 'content', key });
      expect(report.valid).to.equal(false);
    }
    if (dialect !== 'postgres') {
      // Why it matters: SQL reads the first value, while the parsed (hashed) value is the last.
      await ctx.knex(store.tableName).where({ id: row.id }).update({ content: forgeries[0][1] });
      const fn = dialect === 'sqlite' ? 'json_extract' : 'json_value';
      const [read] = await ctx
        .knex(store.tableName)
        .where({ id: row.id })
        .select(ctx.knex.raw(`${fn}(content, '$.amount') as amount`));
      expect(Number(read.amount)).to.equal(1000000);
    }
  });

  it('the same key in sibling objects, in arrays and as a value is no duplicate', async () => {
    const content = { a: { k: 1 }, b: { k: 2 }, list: [{ k: 1 }, { k: 2 }], k: 'k', s: '{"k":1,"k":2}' };
    const store = await chainedStore(ctx.knex, tables);
    await store.save([makeEvent({ content })]);
    expect(await store.verify()).to.include({ valid: true });
  });

  it('with expectedHeads, rows past a head and chains without one are uncovered; strict fails them', async () => {
    const store = await chainedStore(ctx.knex, tables, { integrity: { chainId: 'cov-a' } });
    const other = await chainedStore(ctx.knex, tables, {
      tableName: store.tableName,
      archiveTableName: store.archiveTableName,
      integrity: { chainId: 'cov-b' },
    });
    await store.save([makeEvent(), makeEvent()]);
    const heads = (await store.chainHeads()).filter((h) => h.chainId === 'cov-a');
    await store.save([makeEvent(), makeEvent(), makeEvent()]);
    await other.save([makeEvent()]);

    const open = await store.verify({ expectedHeads: heads });
    expect(open).to.include({ valid: true, uncoveredRows: 4, uncoveredChains: 2 });
    const byId = Object.fromEntries(open.chains.map((c) => [c.chainId, c]));
    expect(byId['cov-a']).to.include({ valid: true, uncoveredRows: 3, notInCheckpoint: false });
    expect(byId['cov-b']).to.include({ valid: true, uncoveredRows: 1, notInCheckpoint: true });

    const closed = await store.verify({ expectedHeads: heads, strict: true });
    expect(closed.valid).to.equal(false);
    const strictById = Object.fromEntries(closed.chains.map((c) => [c.chainId, c]));
    expect(strictById['cov-a']).to.include({ valid: false, reason: 'uncovered', firstBadSeq: 3 });
    expect(strictById['cov-b']).to.include({ valid: false, reason: 'uncovered', firstBadSeq: 1 });

    // A checkpoint that covers everything: nothing uncovered, strict passes.
    const all = await store.chainHeads();
    expect(await store.verify({ expectedHeads: all, strict: true })).to.include({
      valid: true,
      uncoveredRows: 0,
      uncoveredChains: 0,
    });
    // Without expectedHeads nothing is counted as uncovered, and strict alone is a configuration error.
    expect(await store.verify()).to.include({ uncoveredRows: 0 });
    let error;
    await store.verify({ strict: true }).catch((err) => (error = err));
    expect(error).to.be.instanceOf(ConfigurationError);
  });
});
