// Hash chains of request events (KnexEventStore with `integrity`), on every dialect: how rows are
// stamped, and verify() catching an edited, a deleted and an inserted row at the right position.
import { expect } from 'chai';
import { ConfigurationError, newEventId, StoreWriteError } from '@audit-events/core';
import { KnexEventStore } from '@audit-events/knex';
import { forEachDialect, uniqueTable } from '../helpers/databases.js';
import {
  auditModelValues,
  bindEventRow,
  chainedStore,
  chainRows,
  dropAll,
  GENESIS_HASH,
  makeEvent,
  onlyChain,
  specEventHash,
  verdicts,
} from './support.js';

const HEX64 = /^[0-9a-f]{64}$/;
const DAY = 86_400_000;

forEachDialect('hash chains of request events', (ctx, dialect) => {
  const tables = [];
  afterEach(() => dropAll(ctx.knex, tables));

  it('stamps seq 1..N in commit order, links each row to the one before, and verifies', async () => {
    const store = await chainedStore(ctx.knex, tables);
    const first = makeEvent();
    await store.save([first]);
    // Concurrent saves are group-committed into batches; one multi-event save stays contiguous.
    await Promise.all([
      ...Array.from({ length: 30 }, () => store.save([makeEvent()])),
      store.save([makeEvent(), makeEvent(), makeEvent()]),
    ]);
    const rows = await chainRows(ctx.knex, store.tableName);
    expect(rows).to.have.length(34);
    expect(new Set(rows.map((r) => r.chain_id))).to.deep.equal(new Set([store.chainId]));
    rows.forEach((row, i) => {
      expect(row.seq).to.equal(i + 1);
      expect(row.prev_hash).to.equal(i === 0 ? GENESIS_HASH : rows[i - 1].hash);
      expect(row.hash).to.match(HEX64);
    });
    // The first row's hash is the documented format over the stored values.
    expect(rows[0].hash).to.equal(
      specEventHash({
        id: first.id,
        created_at: first.createdAt,
        content_type: first.contentType,
        object_id: first.objectId,
        content: first.content,
        user_id: first.userId,
        user_repr: first.userRepr,
        url: first.url,
        method: first.method,
        ip: first.ip,
        request_id: first.requestId,
        user_agent: first.userAgent,
        query_params: first.queryParams,
        post_data: first.postData,
        headers: first.headers,
        ...auditModelValues(first),
        chain_id: store.chainId,
        seq: 1,
        prev_hash: GENESIS_HASH,
      }),
    );
    const seen = [];
    const report = await store.verify({ pageSize: 4, onChain: (c) => seen.push(c.chainId) });
    expect(report).to.include({ valid: true, validChains: 1, totalChains: 1, chainedRows: 34, unchainedRows: 0 });
    expect(report.tables).to.deep.equal([store.tableName, store.archiveTableName]);
    expect(onlyChain(report)).to.deep.equal({
      chainId: store.chainId,
      rows: 34,
      valid: true,
      lastSeq: 34,
      lastHash: rows[33].hash,
    });
    expect(seen).to.deep.equal([store.chainId]);
    expect(await store.chainHeads()).to.deep.equal([{ chainId: store.chainId, seq: 34, hash: rows[33].hash }]);
  });

  it('hashes the same event to the same value on every dialect (canonical read-back)', async () => {
    const store = await chainedStore(ctx.knex, tables, {
      integrity: { chainId: 'golden-chain' },
      extraColumns: [
        { name: 'tenant', type: 'string' },
        { name: 'note', type: 'text' },
        { name: 'n', type: 'integer' },
        { name: 'big', type: 'bigint' },
        { name: 'flag', type: 'boolean' },
        { name: 'score', type: 'float' },
        { name: 'seen_at', type: 'timestamp' },
        { name: 'doc', type: 'json' },
        { name: 'unset', type: 'string' },
      ],
    });
    await store.save([
      makeEvent({
        id: '01935c5e-8f00-7000-8000-000000000001',
        createdAt: new Date('2025-03-04T05:06:07.089Z'),
        objectId: 'golden',
        requestId: 'golden-req',
        content: {
          z: [1, 2.5, -0, 1e21, 12345678901234567000, 0.1, -3e-7],
          a: { é: '😀', z: null, '': 'empty key', t: true, f: false },
          text: 'tab\t newline\n quote" backslash\\ sep\u2028 ✓',
          nested: { y: { x: [{}, []] } },
        },
        postData: ['raw', 1, { b: 2, a: 1 }],
        headers: { 'X-B': '2', 'X-A': '1' },
        extra: {
          tenant: 'Acme ÄÖ',
          note: 'x'.repeat(300),
          n: -7,
          big: '9007199254740993',
          flag: true,
          score: 1 / 3,
          seen_at: new Date('2024-12-31T23:59:59.999Z'),
          doc: { b: [true, null], a: 'é' },
          unset: null,
        },
      }),
    ]);
    const [row] = await chainRows(ctx.knex, store.tableName);
    // Computed once; identical on SQLite, MariaDB and PostgreSQL, and it must never change (the
    // format is versioned by HASH_FORMAT: a change of canonicalisation needs a new version). Since
    // issue 17 the row also holds actor_type 'user' and outcome 'success', hashed as non-null columns
    // outside the layout (the same rule, so the format is unchanged; 248eb515… was the row without them).
    expect(row.hash).to.equal('f47c55c97c964622fb98027ccff219a209624ae652fcc9ee77ba42cc06768507');
    expect(onlyChain(await store.verify()).valid).to.equal(true);
  });

  it('round-trips hostile values (NUL, lone surrogates, deep and wide JSON) and still verifies', async () => {
    const store = await chainedStore(ctx.knex, tables, {
      extraColumns: [
        { name: 'doc', type: 'json' },
        { name: 'big', type: 'bigint' },
      ],
    });
    const deep = {};
    let cursor = deep;
    // 20 levels: MariaDB's JSON check refuses documents nested deeper than 32.
    for (let i = 0; i < 20; i++) cursor = cursor[`k${i % 7}`] = { i };
    const wide = Object.fromEntries(
      Array.from({ length: 300 }, (_, i) => [`key-${(i * 7919) % 300}`, i % 3 ? i : String(i)]),
    );
    await store.save([
      makeEvent({
        content: { nul: 'a\u0000b', lone: 'x\ud800y', pair: '\ud83d\ude00', deep },
        userRepr: 'bob\u0000',
        extra: { doc: wide, big: '-9223372036854775808' },
      }),
      makeEvent({
        content: {},
        queryParams: null,
        postData: 'plain text body',
        headers: null,
        extra: { doc: [], big: null },
      }),
      makeEvent({
        content: { n: [Number.MAX_SAFE_INTEGER, Number.MIN_VALUE, 1.7976931348623157e308] },
        postData: 0,
        extra: { doc: 'just a string' },
      }),
    ]);
    const report = await store.verify();
    expect(verdicts(report)).to.deep.equal({ [store.chainId]: 'valid' });
    expect(report.chainedRows).to.equal(3);
  });

  it('an edited row is a hash-mismatch at its seq; a key re-ordering is not an edit', async () => {
    const store = await chainedStore(ctx.knex, tables);
    for (let i = 0; i < 3; i++) await store.save([makeEvent(), makeEvent()]);
    const table = store.tableName;
    const [third] = await ctx.knex(table).where({ seq: 3 }).select('content');
    const original = typeof third.content === 'string' ? JSON.parse(third.content) : third.content;
    // Same document, other key order: JSONB would re-order anyway; the hash is over the meaning.
    const reordered = Object.fromEntries(Object.entries(original).reverse());
    await ctx
      .knex(table)
      .where({ seq: 3 })
      .update({ content: JSON.stringify(reordered) });
    expect(verdicts(await store.verify())).to.deep.equal({ [store.chainId]: 'valid' });

    await ctx
      .knex(table)
      .where({ seq: 3 })
      .update({ content: JSON.stringify({ ...original, total: 1 }) });
    expect(verdicts(await store.verify())).to.deep.equal({ [store.chainId]: 'hash-mismatch@3' });
    await ctx
      .knex(table)
      .where({ seq: 3 })
      .update({ content: JSON.stringify(original) });
    expect(verdicts(await store.verify())).to.deep.equal({ [store.chainId]: 'valid' });

    // One millisecond, one column, one character each count.
    const [fifth] = await ctx.knex(table).where({ seq: 5 }).select('created_at');
    const createdAt = new Date(
      new Date(fifth.created_at instanceof Date ? fifth.created_at : Number(fifth.created_at)).getTime() + 1,
    );
    await ctx
      .knex(table)
      .where({ seq: 5 })
      .update({ created_at: dialect === 'sqlite' ? createdAt.getTime() : createdAt });
    await ctx.knex(table).where({ seq: 6 }).update({ user_id: '43' });
    const report = await store.verify();
    expect(verdicts(report)).to.deep.equal({ [store.chainId]: 'hash-mismatch@5' });
    expect(onlyChain(report)).to.include({ rows: 6, lastSeq: 6 });
  });

  it('deleted rows are a seq-gap at the first missing seq', async () => {
    const store = await chainedStore(ctx.knex, tables);
    await store.save(Array.from({ length: 8 }, () => makeEvent()));
    await ctx.knex(store.tableName).whereIn('seq', [5, 6]).del();
    let report = await store.verify();
    expect(verdicts(report)).to.deep.equal({ [store.chainId]: 'seq-gap@5' });
    expect(onlyChain(report).rows).to.equal(6);
    await ctx.knex(store.tableName).where({ seq: 1 }).del();
    report = await store.verify();
    expect(verdicts(report)).to.deep.equal({ [store.chainId]: 'seq-gap@1' });
  });

  it('an inserted row, even with a correct hash, breaks the link of the row after it', async () => {
    const store = await chainedStore(ctx.knex, tables);
    await store.save(Array.from({ length: 6 }, () => makeEvent()));
    const table = store.tableName;
    const rows = await chainRows(ctx.knex, table);
    // A forger who knows the format: make room after seq 3, then insert a row linked to seq 3.
    for (const row of rows.slice(3).reverse())
      await ctx
        .knex(table)
        .where({ chain_id: row.chain_id, seq: row.seq })
        .update({ seq: row.seq + 1 });
    const forged = {
      id: newEventId(),
      created_at: new Date(),
      content_type: 'shop.order',
      object_id: 'forged',
      content: { status: 'refunded' },
      chain_id: store.chainId,
      seq: 4,
      prev_hash: rows[2].hash,
    };
    forged.hash = specEventHash(forged);
    await ctx.knex(table).insert(bindEventRow(forged, dialect));
    const report = await store.verify();
    // Seq 4 itself checks out (right link, right hash): the row after it no longer fits.
    expect(verdicts(report)).to.deep.equal({ [store.chainId]: 'broken-link@5' });
    expect(onlyChain(report).rows).to.equal(7);
  });

  it('an appended row with a wrong link is a broken-link; a second row at one position is a duplicate-seq', async () => {
    const store = await chainedStore(ctx.knex, tables);
    await store.save(Array.from({ length: 4 }, () => makeEvent()));
    const forged = {
      id: newEventId(),
      created_at: new Date(),
      content_type: 'x',
      object_id: '1',
      content: {},
      chain_id: store.chainId,
      seq: 5,
      prev_hash: 'f'.repeat(64),
    };
    forged.hash = specEventHash(forged);
    await ctx.knex(store.tableName).insert(bindEventRow(forged, dialect));
    expect(verdicts(await store.verify())).to.deep.equal({ [store.chainId]: 'broken-link@5' });
    await ctx.knex(store.tableName).where({ seq: 5 }).del();

    // The unique index keeps a copy out of the live table, not out of the archive table.
    const [copy] = await ctx.knex(store.tableName).where({ seq: 2 }).select('*');
    await ctx.knex(store.archiveTableName).insert({ ...copy, id: newEventId(), archived_at: copy.created_at });
    expect(verdicts(await store.verify())).to.deep.equal({ [store.chainId]: 'duplicate-seq@2' });
  });

  it('rows written without integrity into chained tables fail verification unless allowUnchainedRows', async () => {
    const store = await chainedStore(ctx.knex, tables);
    const plain = new KnexEventStore(ctx.knex, {
      tableName: store.tableName,
      archiveTableName: store.archiveTableName,
    });
    expect(plain.chainId).to.equal(null);
    await plain.save([makeEvent(), makeEvent(), makeEvent()]);
    await store.save([makeEvent()]);
    // Issue 16 item 11: a row beside the chains may have been inserted around them.
    const report = await store.verify();
    expect(report).to.include({
      valid: false,
      validChains: 1,
      totalChains: 1,
      chainedRows: 1,
      unchainedRows: 3,
      unchainedRowsFail: true,
    });
    // Rows from before integrity was turned on: counted, accepted when the caller says so.
    expect(await store.verify({ allowUnchainedRows: true })).to.include({
      valid: true,
      unchainedRows: 3,
      unchainedRowsFail: false,
    });
    // Nothing chained at all: zero chains, still valid, the rows visible.
    const only = await chainedStore(ctx.knex, tables, { integrity: false });
    await only.save([makeEvent()]);
    expect(await only.verify()).to.include({ valid: true, totalChains: 0, unchainedRows: 1 });
  });

  it('archived rows keep their links: a chain split across live and archive verifies, and a gap in the archive is found', async () => {
    const store = await chainedStore(ctx.knex, tables);
    const start = Date.now() - 40 * DAY;
    // Saved oldest first, so seq order is time order and the archive takes a prefix of the chain.
    for (let i = 0; i < 20; i++) await store.save([makeEvent({ createdAt: new Date(start + i * DAY) })]);
    const result = await store.archive({ olderThan: new Date(start + 10 * DAY), batchSize: 3 });
    expect(result.archived).to.equal(10);
    expect(await chainRows(ctx.knex, store.archiveTableName)).to.have.length(10);
    expect(await chainRows(ctx.knex, store.tableName)).to.have.length(10);
    const report = await store.verify({ pageSize: 3 });
    expect(report).to.include({ valid: true, chainedRows: 20 });
    expect(onlyChain(report)).to.include({ lastSeq: 20 });
    // The writer's head is found through both tables too: writing continues the chain.
    await store.save([makeEvent()]);
    await ctx.knex(store.archiveTableName).where({ seq: 4 }).del();
    const after = await store.verify();
    expect(verdicts(after)).to.deep.equal({ [store.chainId]: 'seq-gap@4' });
    expect(onlyChain(after)).to.include({ rows: 20, lastSeq: 21 });
  });

  it('a deleted tail is only caught against recorded heads: missing-tail, and head-mismatch when rewritten', async () => {
    const store = await chainedStore(ctx.knex, tables, { integrity: { chainId: `tail-${dialect}` } });
    const other = await chainedStore(ctx.knex, tables, {
      tableName: store.tableName,
      archiveTableName: store.archiveTableName,
    });
    await store.save(Array.from({ length: 6 }, () => makeEvent()));
    await other.save([makeEvent(), makeEvent()]);
    const heads = await store.chainHeads();
    expect(heads.map((h) => [h.chainId, h.seq])).to.deep.equal(
      [
        [store.chainId, 6],
        [other.chainId, 2],
      ].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
    );

    await ctx.knex(store.tableName).where({ chain_id: store.chainId }).whereIn('seq', [5, 6]).del();
    // Without heads the shorter chain is consistent: that is the limit of any hash chain.
    expect((await store.verify()).valid).to.equal(true);
    let report = await store.verify({ expectedHeads: heads });
    expect(verdicts(report)).to.deep.equal({ [store.chainId]: 'missing-tail@5', [other.chainId]: 'valid' });

    // A new writer on that chain id continues from seq 4: consistent, but not the recorded seq 6.
    const restarted = new KnexEventStore(ctx.knex, {
      tableName: store.tableName,
      archiveTableName: store.archiveTableName,
      integrity: { chainId: store.chainId },
    });
    await restarted.save([makeEvent(), makeEvent()]);
    report = await store.verify({ expectedHeads: heads });
    expect(verdicts(report)).to.deep.equal({ [store.chainId]: 'head-mismatch@6', [other.chainId]: 'valid' });

    // A recorded chain with no rows left at all.
    await ctx.knex(store.tableName).where({ chain_id: other.chainId }).del();
    report = await store.verify({ expectedHeads: heads });
    expect(report.chains.find((c) => c.chainId === other.chainId)).to.deep.include({
      rows: 0,
      valid: false,
      reason: 'missing-tail',
      firstBadSeq: 1,
    });

    for (const bad of [
      [{ chainId: 'x', seq: 0, hash: 'a'.repeat(64) }],
      [{ chainId: 'x', seq: 1, hash: 'nothex' }],
      'heads',
    ]) {
      let caught;
      await store.verify({ expectedHeads: bad }).catch((err) => (caught = err));
      expect(caught).to.be.instanceOf(ConfigurationError);
    }
  });

  it('a failed batch leaves no gap: the next batch reuses its positions', async () => {
    const store = await chainedStore(ctx.knex, tables);
    const existing = makeEvent();
    await store.save([existing, makeEvent()]);
    // A primary-key clash fails the whole batch in the database (known not stored).
    let caught;
    await store.save([makeEvent(), { ...makeEvent(), id: existing.id }]).catch((err) => (caught = err));
    expect(caught).to.be.instanceOf(StoreWriteError);
    expect(caught.outcomeUnknown).to.not.equal(true);
    // A malformed event fails before joining a batch and takes no position either.
    await store.save([{ ...makeEvent(), createdAt: 'yesterday' }]).catch(() => {});
    await store.save([makeEvent(), makeEvent()]);
    const rows = await chainRows(ctx.knex, store.tableName);
    expect(rows.map((r) => r.seq)).to.deep.equal([1, 2, 3, 4]);
    expect(verdicts(await store.verify())).to.deep.equal({ [store.chainId]: 'valid' });
    expect(store.stats).to.include({ failedBatches: 1, events: 4 });
  });

  it('a backlog is written in batches stamped ahead; a failed one among them still leaves no gap', async () => {
    // Small batches and a burst: while one batch is written, the next full one is stamped from
    // where it will leave the chain. A batch that then fails makes the one after it restamp.
    const store = await chainedStore(ctx.knex, tables, { batchSize: 5 });
    const existing = makeEvent();
    await store.save([existing]);
    const inserts = [];
    const onQuery = (query) => {
      if (/^insert/i.test(query.sql)) inserts.push(query.bindings.length);
    };
    ctx.knex.on('query', onQuery);
    const events = Array.from({ length: 40 }, (_, i) => (i === 17 ? { ...makeEvent(), id: existing.id } : makeEvent()));
    const outcomes = await Promise.allSettled(events.map((event) => store.save([event])));
    ctx.knex.off('query', onQuery);
    // The batch holding the duplicate id (events 15–19) fails whole; every other one is stored.
    const failed = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [i] : []));
    expect(failed).to.deep.equal([15, 16, 17, 18, 19]);
    for (const i of failed) expect(outcomes[i].reason).to.be.instanceOf(StoreWriteError);
    expect(inserts.length).to.be.greaterThan(8, 'batches of at most five');
    const rows = await chainRows(ctx.knex, store.tableName);
    expect(rows.map((r) => r.seq)).to.deep.equal(Array.from({ length: 36 }, (_, i) => i + 1));
    expect(verdicts(await store.verify())).to.deep.equal({ [store.chainId]: 'valid' });
    expect(store.stats).to.include({ failedBatches: 1, failedEvents: 5, events: 36 });
  });

  it('a fixed chainId resumes across store instances; two stores sharing one stay linear', async () => {
    const tableName = uniqueTable('ifix');
    const archiveTableName = `${tableName}_arc`;
    const options = { tableName, archiveTableName, integrity: { chainId: 'svc-orders.1' }, lingerMs: 0 };
    const a = await chainedStore(ctx.knex, tables, options);
    await a.save([makeEvent(), makeEvent(), makeEvent()]);
    const b = new KnexEventStore(ctx.knex, options); // a restart: reads the head once
    await b.save([makeEvent(), makeEvent()]);
    // `a` still believes seq 3 is the head: its INSERT collides, it re-reads the head and retries.
    await a.save([makeEvent()]);
    await b.save([makeEvent()]);
    const rows = await chainRows(ctx.knex, tableName);
    expect(rows.map((r) => r.seq)).to.deep.equal([1, 2, 3, 4, 5, 6, 7]);
    expect(verdicts(await a.verify())).to.deep.equal({ 'svc-orders.1': 'valid' });
    expect(a.stats.failedBatches + b.stats.failedBatches).to.equal(0);
  });

  it('rejects bad integrity options before any SQL', () => {
    const bad = [
      { integrity: 'yes' },
      { integrity: { chainId: 'Upper-Case' } },
      { integrity: { chainId: 'x'.repeat(65) } },
      { integrity: { chainId: '' } },
      { integrity: { chainid: 'typo' } },
      { integrity: true, mapRow: { toRow: (_event, row) => row } },
    ];
    for (const options of bad) {
      expect(() => new KnexEventStore(ctx.knex, options), JSON.stringify(options)).to.throw(ConfigurationError);
    }
    expect(new KnexEventStore(ctx.knex, { integrity: { chainId: 'web-1:eu@2' } }).chainId).to.equal('web-1:eu@2');
    expect(new KnexEventStore(ctx.knex, { integrity: true }).chainId).to.match(
      /^[a-z0-9][a-z0-9._:@-]*-\d+-[0-9a-f]{12}$/,
    );
  });
});
