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
  return worker;
}
