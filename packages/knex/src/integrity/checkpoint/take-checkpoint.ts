import type { Knex } from 'knex';
import { ConfigurationError } from '@audit-events/core';
import { dialectOf } from '../../sql/dialect.js';
import { checkpointPrivateKey, type CheckpointHead } from './checkpoint-file.js';
import { writeCheckpoint, type WrittenCheckpoint } from './checkpoint-dir.js';
import { checkpointHeads } from './checkpoint-heads.js';

export interface CheckpointOptions {
  /** The directory of checkpoints (created beforehand; keep it where the database's writers cannot write). */
  dir: string;
  /** Ed25519 private key: PEM text/bytes or a KeyObject. Only the checkpoint writer holds it. */
  privateKey: unknown;
  /** Time recorded as createdAt; default now. */
  now?: Date;
}

/** One log in a checkpoint: its name (the live table) and the tables its chains span. */
export interface CheckpointLog {
  name: string;
  tables: readonly string[];
}

/** Reads every chain head of `logs` and writes them as the next signed checkpoint of `dir`. */
export async function takeCheckpoint(knex: Knex, logs: readonly CheckpointLog[], options: CheckpointOptions): Promise<WrittenCheckpoint> {
  if (options === null || typeof options !== 'object' || typeof options.dir !== 'string' || options.dir === '') {
    throw new ConfigurationError('dir', 'checkpoint() needs { dir, privateKey }');
  }
  const privateKey = checkpointPrivateKey(options.privateKey);
  const dialect = dialectOf(knex);
  const tables: Record<string, CheckpointHead[]> = {};
  for (const log of logs) tables[log.name] = await checkpointHeads(knex, dialect, log.tables);
  return writeCheckpoint(options.dir, privateKey, tables, options.now);
}
