// integrity: the write cost of hash chains. KnexEventStore save() throughput on SQLite with
// integrity off vs on (n concurrent single-event saves, group-committed), and verify() read
// throughput over the chained rows it wrote.
import { randomBytes } from 'node:crypto';
import { newEventId } from '@audit-events/core';
import { KeySet, KnexEventStore } from '@audit-events/knex';
import { benchKnexConfig, openKnex } from '../lib/databases.mjs';
import { interleave, opsPerSecond } from '../lib/timing.mjs';
import { summarize } from '../lib/stats.mjs';
import { finishSuite } from '../lib/report.mjs';

const TABLE = 'bench_integrity';
// Keyed chains (issue 22): one writer key; rows are HMAC-SHA256 links carrying key_id.
const KEY = { id: 'bench-k1', secret: randomBytes(32).toString('base64') };

function events(n) {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => ({
    id: newEventId(now + i),
    createdAt: new Date(now + i),
    contentType: 'shop.order',
    objectId: String(i % 5000),
    content: { status: 'paid', total: i, items: [{ sku: 'A-1', qty: 2 }], note: 'x'.repeat(64) },
    userId: String(i % 100),
    userRepr: `user${i % 100}`,
    url: `http://127.0.0.1/orders/${i % 5000}`,
    method: 'POST',
    ip: '127.0.0.1',
    requestId: newEventId(now + i),
    userAgent: 'bench',
    queryParams: { page: '1' },
    postData: { total: i },
    headers: { 'X-Team': 'blue' },
  }));
}

/** `n` overrides the event count (the lead's full run uses the default; a smoke test a tiny one). */
export async function integrity({ quick, n: count } = {}) {
  const n = count ?? (quick ? 5_000 : 20_000);
  const runs = quick ? 2 : 5;
  const knex = await openKnex(benchKnexConfig('sqlite', 'integrity'));
  const lastVerify = { rows: 0 };
  const variant = (integrity, name) => async () => {
    const tableName = `${TABLE}_${name}`;
    const archiveTableName = `${tableName}_arc`;
    for (const t of [tableName, archiveTableName]) await knex.schema.dropTableIfExists(t);
    const store = new KnexEventStore(knex, { tableName, archiveTableName, integrity });
    await store.migrate();
    const batch = events(n); // built before timing: both variants time save() alone
    const rate = await opsPerSecond(n, () => Promise.all(batch.map((event) => store.save([event]))));
    const [{ c }] = await knex(tableName).count({ c: '*' });
    if (Number(c) !== n) throw new Error(`integrity ${integrity}: stored ${c} of ${n}`);
    if (integrity) {
      const report = await store.verify(integrity === true ? {} : { keys: new KeySet([KEY], null) });
      if (!report.valid || report.chainedRows !== n)
        throw new Error(`integrity on: verify found ${report.chainedRows} rows, valid=${report.valid}`);
      lastVerify.rows = report.chainedRows;
    }
    await store.close();
    return rate;
  };
  try {
    const samples = await interleave(
      { off: variant(false, 'off'), on: variant(true, 'on'), keyed: variant({ key: KEY }, 'keyed') },
      runs,
    );
    // verify() over the last chained table: rows read, re-hashed and linked per second.
    const verifyStore = new KnexEventStore(knex, { tableName: `${TABLE}_on`, archiveTableName: `${TABLE}_on_arc` });
    const verifyRates = [];
    for (let i = 0; i < runs; i++) verifyRates.push(await opsPerSecond(lastVerify.rows, () => verifyStore.verify()));
    return finishSuite(
      'integrity',
      [
        { name: 'sqlite save, integrity off', unit: 'events/s', ...summarize(samples.off) },
        {
          name: 'sqlite save, integrity on',
          unit: 'events/s',
          ...summarize(samples.on),
          baseline: 'sqlite save, integrity off',
          target: 0.75,
        },
        {
          name: 'sqlite save, keyed integrity',
          unit: 'events/s',
          ...summarize(samples.keyed),
          baseline: 'sqlite save, integrity on',
          target: 0.9,
          targetText: '≥ 0.9× unkeyed integrity (HMAC-SHA256 costs about what SHA-256 does)',
        },
        { name: 'sqlite verify()', unit: 'rows/s', ...summarize(verifyRates) },
      ],
      [
        `${n.toLocaleString('en-US')} concurrent single-event saves per run (group-committed, default batch size), ${runs} interleaved runs; events built before timing`,
        'integrity on = canonical serialisation + SHA-256 per row and a chained head per batch; verify() reads live + archive in seq pages and recomputes every hash',
      ],
    );
  } finally {
    for (const t of ['on', 'off', 'keyed'].flatMap((v) => [`${TABLE}_${v}`, `${TABLE}_${v}_arc`]))
      await knex.schema.dropTableIfExists(t).catch(() => {});
    await knex.destroy();
  }
}
