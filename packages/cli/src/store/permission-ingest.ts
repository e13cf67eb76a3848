import type { Knex } from 'knex';
import type { PermissionAuditEvent } from '@audit-events/core';
import { DatabaseAuditLogger } from '@audit-events/knex';
import type { JetStreamManager } from '@nats-io/jetstream';

/**
 * DatabaseAuditLogger's batch write, called directly: ingest brings its own batching, retries and
 * acknowledgements, so the logger's queue, timers and exit hooks stay unused. What is kept is
 * everything a batch gets from the logger: one transaction, rows that skip a stored `event_id`,
 * the table created on demand, a refused row reported as EventRejectedError, and with integrity
 * this worker's own hash chain.
 */
export class PermissionBatchWriter extends DatabaseAuditLogger {
  /** The write in progress: batches are written one after another, as the logger's own queue does. */
  #tail: Promise<void> = Promise.resolve();

  constructor(knex: Knex, tableName: string, integrity: boolean | { chainId: string } | undefined) {
    super({
      knex,
      tableName,
      flushOnExit: false,
      handleSignals: false,
      ...(integrity === undefined ? {} : { integrity }),
    });
  }

  /**
   * Writes `events` in one transaction once the previous write settled; rejects when nothing was
   * stored. One at a time because the logger's batch write assumes it (a hash chain is stamped from
   * the head the previous batch left); ingest still decodes the next batch meanwhile.
   */
  write(events: PermissionAuditEvent[]): Promise<void> {
    const run = this.#tail.then(() => this.handleBatch(events));
    this.#tail = run.catch(() => {});
    return run;
  }
}

/** True when one of the stream's subjects (wildcards allowed) covers `subject`. */
export async function streamCovers(jsm: JetStreamManager, stream: string, subject: string): Promise<boolean> {
  const info = await jsm.streams.info(stream);
  return (info.config.subjects ?? []).some((filter) => subjectMatches(filter, subject));
}

/** NATS subject matching: `*` is one token, `>` the rest (one or more tokens). */
export function subjectMatches(filter: string, subject: string): boolean {
  const f = filter.split('.');
  const s = subject.split('.');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (f[i] !== '*' && f[i] !== s[i]) return false;
  }
  return f.length === s.length;
}
