import type { Knex } from 'knex';
import { ConfigurationError } from '@audit-events/core';
import { resolveSchema } from '../schema/schema-options.js';
import { dialectOf, probeDialect, type DialectTraits } from '../sql/dialect.js';
import { listChainHeads } from './chain-heads.js';
import { EVENT_LAYOUT } from './row-layout.js';
import { tableExists } from './table-plan.js';
import { verifyChains } from './verify-chains.js';
import type { ChainHead, VerifyOptions, VerifyReport } from './verify-report.js';

export interface EventLogTableOptions {
  /** Default `audit_events`. */
  tableName?: string;
  /** Default `audit_events_archive`; skipped when it does not exist. */
  archiveTableName?: string;
}

/** The live table, then the archive table when it exists: chains continue from one into the other. */
export async function eventLogTables(knex: Knex, tableName: string, archiveTableName: string): Promise<string[]> {
  const tables = [tableName];
  if (await tableExists(knex, archiveTableName)) tables.push(archiveTableName);
  return tables;
}

function namesOf(options: EventLogTableOptions): { tableName: string; archiveTableName: string } {
  if (options === null || typeof options !== 'object') throw new ConfigurationError('options', 'must be an object');
  const schema = resolveSchema({
    ...(options.tableName === undefined ? {} : { tableName: options.tableName }),
    ...(options.archiveTableName === undefined ? {} : { archiveTableName: options.archiveTableName }),
  });
  return { tableName: schema.tableName, archiveTableName: schema.archiveTableName };
}

/** Verifies the event tables' hash chains given `traits` (the store passes its probed ones). */
export async function verifyEventTables(
  knex: Knex,
  traits: DialectTraits,
  tableName: string,
  archiveTableName: string,
  options: VerifyOptions,
): Promise<VerifyReport> {
  const tables = await eventLogTables(knex, tableName, archiveTableName);
  return verifyChains({ knex, traits, tables, layout: EVENT_LAYOUT }, options);
}

/**
 * KnexEventStore#verify without a store: for tools (the CLI) that know only the table names.
 * Checks every hash chain across the live and archive tables; see VerifyReport.
 */
export async function verifyEventLog(
  knex: Knex,
  options: EventLogTableOptions & VerifyOptions = {},
): Promise<VerifyReport> {
  const { tableName, archiveTableName } = namesOf(options);
  const traits = await probeDialect(knex, dialectOf(knex));
  return verifyEventTables(knex, traits, tableName, archiveTableName, options);
}

/** KnexEventStore#chainHeads without a store. */
export async function eventLogChainHeads(knex: Knex, options: EventLogTableOptions = {}): Promise<ChainHead[]> {
  const { tableName, archiveTableName } = namesOf(options);
  return listChainHeads(knex, dialectOf(knex), await eventLogTables(knex, tableName, archiveTableName));
}
