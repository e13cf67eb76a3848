import type { AuditEvent, ExportQuery } from '@audit-events/core';
import type { ArchiveProgress } from './progress.js';

/** Arguments of KnexEventStore#archive, as the CLI uses them. */
export interface ArchiveRequest {
  olderThan: Date | number;
  batchSize?: number;
  onProgress?: (progress: ArchiveProgress) => void;
  signal?: AbortSignal;
  dryRun?: boolean;
}

export interface ArchiveOutcome {
  archived: number;
  batches: number;
  cutoff: Date;
  dryRun: boolean;
  remaining: number;
}

/**
 * The part of KnexEventStore the commands call. Commands depend on this, not on the class, so
 * each stays readable on its own and later commands (report, verify) add only what they need.
 */
export interface CliStore {
  readonly tableName: string;
  readonly archiveTableName: string;
  migrate(): Promise<unknown>;
  countArchivable(olderThan: Date | number): Promise<number>;
  archive(request: ArchiveRequest): Promise<ArchiveOutcome>;
  export(query?: ExportQuery): AsyncIterable<AuditEvent>;
  close(): Promise<void>;
}
