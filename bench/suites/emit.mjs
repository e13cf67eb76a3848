// emit: cost of emitPermissionAuditEvent with no logger (vs a no-op call), with MemoryAuditLogger,
// and with FileAuditLogger (vs pino info() of the same object to /dev/null and to a file).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { configureAuditLogger, emitPermissionAuditEvent, FileAuditLogger, MemoryAuditLogger } from '@audit-events/core';
import { chunked, interleave, opsPerSecond } from '../lib/timing.mjs';
import { summarize } from '../lib/stats.mjs';
import { finishSuite } from '../lib/report.mjs';

const decision = (i) => ({
  action: 'update',
  attributes: ['status'],
  granted: i % 10 !== 0,
  bypassed: false,
  manager: 'Order',
  user: { id: String(i % 100), repr: `user${i % 100}` },
  permissions: ['isAdmin', 'isSelf'],
  metadata: { tenant: 'acme' },
});

let sink = 0;
function noop(factory) {
  // Touch the argument so the call cannot be optimised away.
  if (typeof factory === 'function') sink++;
}

function countLines(file) {
  const text = readFileSync(file, 'utf8');
  let lines = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lines++;
  return lines;
}

export async function emit({ quick }) {
  const dir = mkdtempSync(join(tmpdir(), 'audit-bench-emit-'));
  const hot = quick ? 2_000_000 : 20_000_000;
  const n = quick ? 50_000 : 500_000;
  const runs = quick ? 3 : 5;
  let fileNo = 0;
  try {
    await configureAuditLogger(null);
    const samples = await interleave(
      {
        'no-op call': () => opsPerSecond(hot, async () => { for (let i = 0; i < hot; i++) noop(() => decision(i)); }),
        'emit, no logger': () => opsPerSecond(hot, async () => { for (let i = 0; i < hot; i++) emitPermissionAuditEvent(() => decision(i)); }),
        'emit → MemoryAuditLogger': async () => {
          const logger = new MemoryAuditLogger();
          await configureAuditLogger(logger);
          const rate = await opsPerSecond(n, () => chunked(n, (i) => emitPermissionAuditEvent(() => decision(i))));
          await configureAuditLogger(null);
          if (logger.events.length !== n) throw new Error(`memory logger holds ${logger.events.length} of ${n}`);
          return rate;
        },
        'pino → /dev/null': async () => {
          const dest = pino.destination({ dest: '/dev/null', sync: false });
          const log = pino(dest);
          const rate = await opsPerSecond(n, async () => { await chunked(n, (i) => log.info(decision(i))); dest.flushSync(); });
          dest.end();
          return rate;
        },
        'pino → file': async () => {
          const file = join(dir, `pino-${fileNo++}.log`);
          const dest = pino.destination({ dest: file, sync: false });
          const log = pino(dest);
          const rate = await opsPerSecond(n, async () => { await chunked(n, (i) => log.info(decision(i))); dest.flushSync(); });
          dest.end();
          return rate;
        },
        'emit → FileAuditLogger': async () => {
          const file = join(dir, `audit-${fileNo++}.log`);
          const logger = new FileAuditLogger(file, { flushOnExit: false, handleSignals: false });
          await configureAuditLogger(logger, { closePrevious: false });
          const rate = await opsPerSecond(n, async () => { await chunked(n, (i) => emitPermissionAuditEvent(() => decision(i))); await logger.close(); });
          await configureAuditLogger(null, { closePrevious: false });
          const lines = countLines(file);
          if (lines !== n || logger.droppedCount !== 0) throw new Error(`file logger wrote ${lines} of ${n} lines (dropped ${logger.droppedCount})`);
          return rate;
        },
      },
      runs,
    );
    const row = (name, extra = {}) => ({ name, unit: 'events/s', ...summarize(samples[name]), ...extra });
    return finishSuite('emit', [
      row('no-op call'),
      row('emit, no logger', { baseline: 'no-op call', target: 0.909, targetText: '≤ 1.1× cost (≥ 0.909×)' }),
      row('emit → MemoryAuditLogger', { baseline: 'no-op call' }),
      row('pino → /dev/null'),
      row('pino → file'),
      row('emit → FileAuditLogger', { baseline: 'pino → file', target: 1.0 }),
    ], [
      `${hot.toLocaleString()} calls for the no-logger rows, ${n.toLocaleString()} events for the logger rows, chunks of 1000 with an event-loop turn between (as a server emits), ${runs} interleaved runs`,
      'no-logger target ≤ 1.1× the cost of a no-op call = ≥ 0.909× its throughput; file rows include the final flush and check every line is on disk',
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
