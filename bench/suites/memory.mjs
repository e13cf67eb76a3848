// memory: RSS growth while 1M events go through each buffered logger, and after flush. A bounded
// queue keeps the peak flat whatever the sink's speed; nothing may stay allocated after flush.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { finishSuite } from '../lib/report.mjs';

const worker = fileURLToPath(new URL('../workers/memory-worker.mjs', import.meta.url));

function run(kind, n) {
  return new Promise((resolve, reject) => {
    const child = fork(worker, [kind, String(n)], {
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result;
    child.on('message', (m) => (result = m));
    child.on('exit', (code) =>
      code === 0 && result ? resolve(result) : reject(new Error(`memory worker ${kind} exited ${code}`)),
    );
  });
}

export async function memory({ quick }) {
  const n = quick ? 100_000 : 1_000_000;
  const rows = [];
  const notes = [
    `${n.toLocaleString('en-US')} events per logger, maxQueueSize 10,000, emitted in chunks of 1000 per event-loop turn`,
  ];
  for (const kind of ['discard', 'file', 'database', 'kafka']) {
    const r = await run(kind, n);
    rows.push({
      name: `${kind}: peak RSS growth`,
      unit: 'MB',
      median: r.peakGrowthMB,
      spread: 0,
      targetText: '≤ 100 MB',
      pass: r.peakGrowthMB <= 100,
    });
    rows.push({
      name: `${kind}: heap growth after flush + GC`,
      unit: 'MB',
      median: r.afterGrowthMB,
      spread: 0,
      targetText: '≤ 5 MB',
      pass: r.afterGrowthMB <= 5,
    });
    notes.push(
      `${kind}: ${r.dropped.toLocaleString('en-US')} events dropped (counted in droppedCount) because the sink was slower than the producer`,
    );
  }
  return finishSuite('memory', rows, notes);
}
