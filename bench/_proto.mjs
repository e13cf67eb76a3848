import Knex from 'knex';
import { rmSync } from 'node:fs';
import { KnexEventStore, sqliteKnexConfig } from '@audit-events/knex';
import { AuditContext } from '@audit-events/core';
const driver = process.argv[2];
const file = `/tmp/proto/d-${driver}.db`;
for (const s of ['', '-wal', '-shm']) rmSync(file + s, { force: true });
let cfg = sqliteKnexConfig(file);
if (driver === 'better-sqlite3') {
  cfg = { client: 'better-sqlite3', useNullAsDefault: true, connection: { filename: file },
    pool: { min: 1, max: 1, afterCreate(conn, done) { conn.pragma('busy_timeout = 5000'); conn.pragma('journal_mode = WAL'); conn.pragma('foreign_keys = ON'); done(null, conn); } } };
}
const knex = Knex(cfg);
const store = new KnexEventStore(knex);
await store.migrate();
const N = 20000, C = 50;
async function run(n) {
  let i = 0;
  const worker = async () => { while (i++ < n) { const ctx = new AuditContext({ store, url: '/x', method: 'GET', ip: '127.0.0.1' }); await ctx.createEvent({ type: 'bench', id: 1 }, { hello: 'world' }); } };
  await Promise.all(Array.from({ length: C }, worker));
}
await run(2000);
const c0 = process.cpuUsage(); const t0 = performance.now();
await run(N);
const t = performance.now() - t0; const c = process.cpuUsage(c0);
console.log(driver, (N / t * 1000).toFixed(0), 'ev/s', ((c.user + c.system) / N).toFixed(1), 'µs CPU/event', JSON.stringify(store.stats ?? {}));
await store.close(); await knex.destroy();
