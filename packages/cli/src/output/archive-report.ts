import type { InterruptSignal } from '../interrupts.js';
import { count } from './plural.js';

/** The outcome of `audit-events archive`, printed as one line or, with --json, as this object. */
export interface ArchiveReport {
  command: 'archive';
  /** False when interrupted. */
  ok: boolean;
  dryRun: boolean;
  /** Events moved (and committed) by this run; 0 on a dry run. */
  archived: number;
  /** Batches committed by this run. */
  batches: number;
  /** Events older than the cutoff still in the live table; null if it could not be counted. */
  remaining: number | null;
  /** ISO 8601: events created before this instant are archived. */
  cutoff: string;
  olderThanDays: number;
  /** Null: the store's default. */
  batchSize: number | null;
  interrupted: InterruptSignal | null;
  table: string;
  archiveTable: string;
  /** With any password masked. */
  database: string;
}

/** e.g. `archived 1234 events in 3 batches (cutoff 2026-08-25T10:00:00.000Z, 0 remaining)`. */
export function archiveSummaryLine(r: ArchiveReport): string {
  const remaining = r.remaining === null ? 'remaining unknown' : `${r.remaining} remaining`;
  if (r.dryRun) {
    return (
      `dry run: ${count(r.remaining ?? 0, 'event', 'events')} older than ${r.cutoff} would be archived ` +
      `from ${r.table} to ${r.archiveTable}; nothing was moved`
    );
  }
  const done = `archived ${count(r.archived, 'event', 'events')} in ${count(r.batches, 'batch', 'batches')} (cutoff ${r.cutoff}, ${remaining})`;
  if (r.interrupted)
    return `interrupted by ${r.interrupted}: ${done}; committed batches stay archived, run again to finish`;
  return done;
}

/** Printed to stderr when an archive fails after committing some batches. */
export function archiveFailureNote(archived: number, batches: number): string {
  return (
    `${count(archived, 'event', 'events')} in ${count(batches, 'committed batch', 'committed batches')} ` +
    'were archived before the failure and stay archived; a re-run continues from there'
  );
}
