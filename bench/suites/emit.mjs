// emit: cost of emitPermissionAuditEvent with no logger (vs a no-op call), with MemoryAuditLogger,
// and with FileAuditLogger (vs pino info() of the same object to /dev/null and to a file).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { configureAuditLogger, emitPermissionAuditEvent, FileAuditLogger, MemoryAuditLogger } from '@audit-events/core';
import { chunked, interleave, opsPerSecond } from '../lib/timing.mjs';
import { median, summarize } from '../lib/stats.mjs';
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

// The strictest baseline: a call that does nothing at all (V8 may even drop the closure).
function noop(_factory) {}

// Two loops of the same shape, one per callee, so each call site stays monomorphic: only the
// callee differs. Warmed up first so both are measured optimised; median of five timed slices.
function noopLoop(n) {
  for (let i = 0; i < n; i++) noop(() => decision(i));
}
function emitLoop(n) {
  for (let i = 0; i < n; i++) emitPermissionAuditEvent(() => decision(i));
}
function hotLoop(loop, n) {
  const slice = () => {
    const start = process.hrtime.bigint();
    loop(n);
    return n / (Number(process.hrtime.bigint() - start) / 1e9);
  };
  slice();
  const rates = [slice(), slice(), slice(), slice(), slice()].sort((a, b) => a - b);
  return Promise.resolve(rates[2]);
}

function countLines(file) {
  const text = readFileSync(file, 'utf8');
  let lines = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lines++;
  return lines;
}

export async function emit({ quick }) {
  const dir = mkdtempSync(join(tmpdir(), 'audit-bench-emit-'));
  const hot = quick ? 10_000_000 : 50_000_000;
  const n = quick ? 50_000 : 500_000;
  const runs = quick ? 3 : 5;
  let fileNo = 0;
  try {
    await configureAuditLogger(null);
    // The no-logger rows run first, before any logger was ever configured in this process: that
    // is the state of an app that does not enable permission logging.
    const hotSamples = await interleave(
      { 'no-op call': () => hotLoop(noopLoop, hot), 'emit, no logger': () => hotLoop(emitLoop, hot) },
      runs,
    );
    const samples = await interleave(
      {
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
          const rate = await opsPerSecond(n, async () => {
            await chunked(n, (i) => log.info(decision(i)));
            dest.flushSync();
          });
          dest.end();
          return rate;
        },
        'pino → file': async () => {
          const file = join(dir, `pino-${fileNo++}.log`);
          const dest = pino.destination({ dest: file, sync: false });
          const log = pino(dest);
          const rate = await opsPerSecond(n, async () => {
            await chunked(n, (i) => log.info(decision(i)));
            dest.flushSync();
          });
          dest.end();
          return rate;
        },
        'emit → FileAuditLogger': async () => {
          const file = join(dir, `audit-${fileNo++}.log`);
          const logger = new FileAuditLogger(file, { flushOnExit: false, handleSignals: false });
          await configureAuditLogger(logger, { closePrevious: false });
          const rate = await opsPerSecond(n, async () => {
            await chunked(n, (i) => emitPermissionAuditEvent(() => decision(i)));
            await logger.close();
          });
          await configureAuditLogger(null, { closePrevious: false });
          const lines = countLines(file);
          if (lines !== n || logger.droppedCount !== 0)
            throw new Error(`file logger wrote ${lines} of ${n} lines (dropped ${logger.droppedCount})`);
          return rate;
        },
      },
      runs,
    );
    Object.assign(samples, hotSamples);
    // What emit() adds to a call when no logger is configured, in absolute time: at ~1.5 ns per
    // call a ratio is noise, so each round's difference (paired, same machine state) is reported.
    const nsPerCall = (rate) => 1e9 / rate;
    const added = samples['emit, no logger'].map((rate, i) => nsPerCall(rate) - nsPerCall(samples['no-op call'][i]));
    // An app that enabled a logger and later removed it: the field is now a real load.
    samples['emit, logger removed'] = (await interleave({ x: () => hotLoop(emitLoop, hot) }, runs)).x;
    const row = (name, extra = {}) => ({ name, unit: 'events/s', ...summarize(samples[name]), ...extra });
    return finishSuite(
      'emit',
      [
        row('no-op call'),
        row('emit, no logger', { baseline: 'no-op call' }),
        {
          name: 'emit, no logger: added time per call',
          unit: 'ns',
          ...summarize(added),
          range: [Math.min(...added), Math.max(...added)],
          targetText: '≤ 1 ns',
          pass: median(added) <= 1,
        },
        row('emit, logger removed', { baseline: 'no-op call' }),
        row('emit → MemoryAuditLogger', { baseline: 'no-op call' }),
        row('pino → /dev/null'),
        row('pino → file'),
        row('emit → FileAuditLogger', { baseline: 'pino → file', target: 1.0 }),
      ],
      [
        `${hot.toLocaleString()} calls for the no-logger rows, ${n.toLocaleString()} events for the logger rows, chunks of 1000 with an event-loop turn between (as a server emits), ${runs} interleaved runs`,
        "no-logger target: emit() adds ≤ 1 ns to a no-op call (median of the per-round differences; the row's range is the rounds' lowest and highest); file rows include the final flush and check every line is on disk",
      ],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
