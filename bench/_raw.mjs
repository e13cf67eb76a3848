import Knex from 'knex';
import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { KnexEventStore, sqliteKnexConfig } from '@audit-events/knex';
import { newEventId } from '@audit-events/core';
const file = '/tmp/proto/raw.db';
for (const s of ['', '-wal', '-shm']) rmSync(file + s, { force: true });
const knex = Knex(sqliteKnexConfig(file)); await new KnexEventStore(knex).migrate(); await knex.destroy();
const db = new Database(file); db.pragma('journal_mode = WAL');
const drop = process.argv[2] ?? '';
for (const ix of drop.split(',').filter(Boolean)) db.exec(`drop index audit_events_${ix}`);
const B = 50, N = 40000;
const cols = ['id','created_at','content_type','object_id','content','url','method','ip','request_id','user_agent'];
const stmt = db.prepare(`insert into audit_events (${cols}) values ${Array(B).fill(`(${cols.map(()=>'?')})`).join(',')}`);
const c0 = process.cpuUsage(); const t0 = performance.now();
for (let i = 0; i < N / B; i++) {
  const binds = [];
  for (let j = 0; j < B; j++) binds.push(newEventId(), Date.now(), 'bench', '1', '{"hello":"world"}', '/', 'GET', '127.0.0.1', (process.env.RID === 'v7' ? newEventId() : crypto.randomUUID()), 'autocannon');
  stmt.run(binds);
}
const c = process.cpuUsage(c0);
console.log(drop || 'all indexes', ((c.user + c.system) / N).toFixed(2), 'µs CPU/row', (N / (performance.now() - t0) * 1000).toFixed(0), 'rows/s');
