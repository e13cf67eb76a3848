import type { AuditEvent, ExportQuery } from '@audit-events/core';
import type { ArchiveOptions, ArchiveResult } from '@audit-events/knex';

/**
 * The part of KnexEventStore the commands call. Commands depend on this, not on the class, so
 * each stays readable on its own and later commands (report, verify) add only what they need.
 */
export interface CliStore {
  readonly tableName: string;
  readonly archiveTableName: string;
  migrate(): Promise<unknown>;
  countArchivable(olderThan: Date | number): Promise<number>;
  archive(request: ArchiveOptions): Promise<ArchiveResult>;
  export(query?: ExportQuery): AsyncIterable<AuditEvent>;
  close(): Promise<void>;
}
