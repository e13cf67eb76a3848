// `audit-events ingest` worker processes for the NATS tests.
import { spawnBin } from '../cli/harness.js';

/** Starts one `audit-events ingest` worker (bin/audit-events.cjs) with --json; see spawnBin. */
export function startIngestWorker({
  url,
  stream,
  prefix,
  deadLetter,
  db,
  table,
  batchSize = 100,
  ackWait = 30,
  consumer = 'audit-ingest',
  extra = [],
}) {
  const worker = spawnBin([
    'ingest',
    '--nats',
    url,
    '--stream',
    stream,
    '--subject-prefix',
    prefix,
    '--dead-letter-subject',
    deadLetter,
    '--consumer',
    consumer,
    '--db',
    db,
    '--table',
    table,
    '--batch-size',
    String(batchSize),
    '--ack-wait',
    String(ackWait),
    '--json',
    ...extra,
  ]);
  return { ...worker, started: startedLine(worker.child) };
}

/**
 * Resolves once the worker printed its `started` line (consumers in place, SIGTERM handled): a
 * SIGTERM before it meets Node's default handling, not the worker's clean stop. Listens from the
 * spawn on, so a line printed before anyone waits is not missed.
 */
function startedLine(child, timeoutMs = 30_000) {
  const started = new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => {
      child.stdout.off('data', onData);
      reject(new Error(`the ingest worker printed no started line in ${timeoutMs} ms`));
    }, timeoutMs);
    function onData(chunk) {
      seen += chunk;
      if (!seen.includes('"type":"started"')) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      resolve();
    }
    child.stdout.on('data', onData);
    child.once('close', () => {
      clearTimeout(timer);
      reject(new Error('the ingest worker exited before it started'));
    });
  });
  started.catch(() => {}); // awaited only by the tests that SIGTERM the worker
  return started;
}
