import { randomBytes } from 'node:crypto';
import { link, open, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { ConfigurationError } from '@audit-events/core';
import {
  CHECKPOINT_FORMAT,
  CheckpointError,
  openCheckpoint,
  signCheckpoint,
  type CheckpointHead,
  type CheckpointPayload,
} from './checkpoint-file.js';

const FILE_NAME = /^checkpoint-(\d{8,})\.json$/;

/** `checkpoint-00000042.json`: names sort in sequence order. */
export function checkpointFileName(sequence: number): string {
  return `checkpoint-${String(sequence).padStart(8, '0')}.json`;
}

export interface VerifiedCheckpoint {
  file: string;
  payload: CheckpointPayload;
  digest: string;
}

async function listNames(dir: string): Promise<Array<{ name: string; sequence: number }>> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw new ConfigurationError(
      'checkpoints',
      `cannot read directory ${dir}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      { cause: err },
    );
  }
  return names
    .map((name) => ({ name, match: FILE_NAME.exec(name) }))
    .filter((f): f is { name: string; match: RegExpExecArray } => f.match !== null)
    .map((f) => ({ name: f.name, sequence: Number(f.match[1]) }))
    .sort((a, b) => a.sequence - b.sequence);
}

/**
 * Every checkpoint of `dir`, verified: each signature, each file's sequence 1, 2, 3… without a gap
 * (a deleted checkpoint is noticed) and each one naming the digest of the one before. The first
 * problem throws a CheckpointError naming its file.
 */
export async function readCheckpoints(dir: string, publicKey: KeyObject): Promise<VerifiedCheckpoint[]> {
  const out: VerifiedCheckpoint[] = [];
  for (const { name, sequence } of await listNames(dir)) {
    const file = join(dir, name);
    const expected = out.length + 1;
    if (sequence !== expected) {
      throw new CheckpointError(file, `checkpoint ${checkpointFileName(expected)} is missing before it (deleted?)`);
    }
    const { payload, digest } = openCheckpoint(await readFile(file, 'utf8'), file, publicKey);
    if (payload.sequence !== sequence)
      throw new CheckpointError(file, `signed sequence ${payload.sequence} does not match its file name`);
    const previous = out[out.length - 1];
    if ((previous?.digest ?? null) !== payload.previous) {
      throw new CheckpointError(
        file,
        previous === undefined
          ? 'the first checkpoint names a previous one'
          : `does not name the digest of ${previous.file}`,
      );
    }
    out.push({ file, payload, digest });
  }
  return out;
}

/** Every head the checkpoints recorded for `table` (all of them: each is checked against the rows). */
export function recordedHeads(
  checkpoints: readonly VerifiedCheckpoint[],
  table: string,
): Array<{ chainId: string; seq: number; hash: string; keyId: string | null; contentDigest?: string }> {
  return checkpoints.flatMap((c) =>
    (c.payload.tables[table] ?? []).map(({ chainId, seq, hash, keyId, contentDigest }) => ({
      chainId,
      seq,
      hash,
      keyId,
      ...(contentDigest === undefined ? {} : { contentDigest }),
    })),
  );
}

export interface WrittenCheckpoint {
  file: string;
  sequence: number;
  digest: string;
  chains: number;
}

/**
 * Signs the heads and writes them as the directory's next checkpoint: a temp file created
 * exclusively with mode 0600 and synced, then hard-linked to its final name (which fails rather
 * than replace a checkpoint another run wrote meanwhile) — a reader never sees half a file. The
 * directory's existing checkpoints are verified first: a chain of checkpoints is only extended
 * from an intact end.
 */
export async function writeCheckpoint(
  dir: string,
  privateKey: KeyObject,
  tables: Record<string, CheckpointHead[]>,
  now: Date = new Date(),
  verified?: readonly VerifiedCheckpoint[],
): Promise<WrittenCheckpoint> {
  const existing = verified ?? (await readCheckpoints(dir, createPublicKey(privateKey)));
  const last = existing[existing.length - 1];
  const sequence = existing.length + 1;
  const payload: CheckpointPayload = {
    format: CHECKPOINT_FORMAT,
    sequence,
    createdAt: now.toISOString(),
    previous: last?.digest ?? null,
    tables,
  };
  const { text, digest } = signCheckpoint(payload, privateKey);
  const file = join(dir, checkpointFileName(sequence));
  const temp = join(dir, `.checkpoint-${sequence}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await link(temp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new CheckpointError(file, 'already exists: another checkpoint run wrote it meanwhile; run again');
      }
      throw err;
    }
  } finally {
    await rm(temp, { force: true }).catch(() => {});
  }
  return { file, sequence, digest, chains: Object.values(tables).reduce((n, heads) => n + heads.length, 0) };
}
