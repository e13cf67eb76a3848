// Pushes N permission events through one logger in its own process and reports RSS: before, peak
// while emitting, and after flush + GC. Run with --expose-gc. argv: <logger> <n>
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import {
  BufferedAuditLogger,
  configureAuditLogger,
  emitPermissionAuditEvent,
  FileAuditLogger,
} from '@audit-events/core';

const [kind, nArg] = process.argv.slice(2);
const n = Number(nArg);
const dir = mkdtempSync(join(tmpdir(), 'audit-bench-mem-'));
const MB = 2 ** 20;
const opts = { flushOnExit: false, handleSignals: false, maxQueueSize: 10_000 };
let logger;
let knex;
if (kind === 'file') {
  logger = new FileAuditLogger(join(dir, 'permission.log'), opts);
} else if (kind === 'database') {
  const { openKnex, benchKnexConfig } = await import('../lib/databases.mjs');
  const { DatabaseAuditLogger } = await import('@audit-events/knex');
  knex = await openKnex(benchKnexConfig('sqlite', `memory-${process.pid}`));
  logger = new DatabaseAuditLogger({ knex, tableName: 'bench_memory_perm', batchSize: 500, ...opts });
  await logger.ensureTable();
} else if (kind === 'kafka') {
  const { KafkaAuditLogger } = await import('@audit-events/kafka');
  // A stand-in producer with broker-like latency: no Kafka broker runs on this machine.
  const producer = {
    async send({ messages }) {
      await new Promise((r) => setTimeout(r, 2));
      return messages.map(() => ({}));
    },
  };
  logger = new KafkaAuditLogger(producer, { topic: 'audit', batchSize: 500, ...opts });
} else if (kind === 'discard') {
  logger = new (class extends BufferedAuditLogger {
    handleBatch() {}
  })(opts);
} else {
  throw new Error(`unknown logger ${kind}`);
}
await configureAuditLogger(logger, { closePrevious: false });

global.gc();
const before = process.memoryUsage().rss;
const heapBefore = process.memoryUsage().heapUsed;
let peak = before;
for (let i = 0; i < n;) {
  const end = Math.min(n, i + 1000);
  for (; i < end; i++) {
    emitPermissionAuditEvent(() => ({
      action: 'update',
      attributes: ['status'],
      granted: i % 10 !== 0,
      manager: 'Order',
      user: { id: String(i % 100), repr: 'u' },
      permissions: ['isAdmin'],
      metadata: { i },
    }));
  }
  if ((i / 1000) % 10 === 0) peak = Math.max(peak, process.memoryUsage().rss);
  await tick();
}
await logger.flush();
peak = Math.max(peak, process.memoryUsage().rss);
global.gc();
await new Promise((r) => setTimeout(r, 100));
global.gc();
const heapAfter = process.memoryUsage().heapUsed;
const dropped = logger.droppedCount ?? 0;
await configureAuditLogger(null, { closePrevious: false });
await logger.close();
if (knex) await knex.destroy();
rmSync(dir, { recursive: true, force: true });
process.send({
  beforeMB: before / MB,
  peakGrowthMB: (peak - before) / MB,
  afterGrowthMB: (heapAfter - heapBefore) / MB,
  dropped,
});
