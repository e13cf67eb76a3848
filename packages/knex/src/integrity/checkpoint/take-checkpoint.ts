import { createPublicKey } from 'node:crypto';
import type { Knex } from 'knex';
import { ConfigurationError } from '@audit-events/core';
import { dialectOf, probeDialect } from '../../sql/dialect.js';
import { EVENT_LAYOUT, PERMISSION_LAYOUT } from '../row-layout.js';
import { checkpointPrivateKey, type CheckpointHead } from './checkpoint-file.js';
import { readCheckpoints, writeCheckpoint, type WrittenCheckpoint } from './checkpoint-dir.js';
import { checkpointHeads } from './checkpoint-heads.js';
import { CONTENT_GENESIS, contentDigestAt, plansOf } from './content-digest.js';

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
  /** Default `events` (audit_events + archive); `permissions` for a permission audit table. */
  kind?: 'events' | 'permissions';
}

/** Reads every chain head of `logs` and writes them as the next signed checkpoint of `dir`. */
export async function takeCheckpoint(
  knex: Knex,
  logs: readonly CheckpointLog[],
  options: CheckpointOptions,
): Promise<WrittenCheckpoint> {
  if (options === null || typeof options !== 'object' || typeof options.dir !== 'string' || options.dir === '') {
    throw new ConfigurationError('dir', 'checkpoint() needs { dir, privateKey }');
  }
  const privateKey = checkpointPrivateKey(options.privateKey);
  const dialect = dialectOf(knex);
  const traits = await probeDialect(knex, dialect);
  const existing = await readCheckpoints(options.dir, createPublicKey(privateKey));
  const previous = existing[existing.length - 1]?.payload.tables ?? {};
  const tables: Record<string, CheckpointHead[]> = {};
  for (const log of logs) {
    const layout = log.kind === 'permissions' ? PERMISSION_LAYOUT : EVENT_LAYOUT;
    const plans = await plansOf(knex, traits, log.tables, layout);
    const heads = await checkpointHeads(knex, dialect, log.tables);
    for (const head of heads) {
      // Continue the content digest from the previous checkpoint: only new rows are read.
      const before = (previous[log.name] ?? []).find((h) => h.chainId === head.chainId);
      const from =
        before?.contentDigest !== undefined && before.seq <= head.seq
          ? { seq: before.seq, digest: before.contentDigest }
          : CONTENT_GENESIS;
      head.contentDigest = await contentDigestAt(knex, traits, plans, layout, head.chainId, from, head.seq);
    }
    tables[log.name] = heads;
  }
  return writeCheckpoint(options.dir, privateKey, tables, options.now, existing);
}
