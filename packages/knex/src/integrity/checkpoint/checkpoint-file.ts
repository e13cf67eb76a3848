import { createHash, createPrivateKey, createPublicKey, KeyObject, sign, verify } from 'node:crypto';
import { AuditEventsError, ConfigurationError } from '@audit-events/core';
import { checkKeyId } from '../keys/chain-key.js';

/** Names the layout of a checkpoint's payload; a change gets a new tag. */
export const CHECKPOINT_FORMAT = 'audit-events/checkpoint-v1';

/** One chain's newest row when the checkpoint was taken. */
export interface CheckpointHead {
  chainId: string;
  seq: number;
  hash: string;
  /** The key that signed the head row; null for an unkeyed chain. */
  keyId: string | null;
  /** created_at of the head row (ISO text where the driver gave a time), informational. */
  time: string | null;
  /**
   * Running SHA-256 over the canonical form of every row of the chain up to the head: lets an
   * auditor with only the public key check the rows without the writer keys.
   */
  contentDigest?: string;
}

/** What is signed: every chain head of every table, and the digest of the checkpoint before. */
export interface CheckpointPayload {
  format: typeof CHECKPOINT_FORMAT;
  /** 1 for the first checkpoint of a directory, then +1 per run; also in the file name. */
  sequence: number;
  createdAt: string;
  /** checkpointDigest() of the previous checkpoint's payload; null for the first. */
  previous: string | null;
  /** Heads by table (for the event log: the live table's name, heads across live and archive). */
  tables: Record<string, CheckpointHead[]>;
}

/** A checkpoint file that does not parse, is not signed by the public key, or breaks the sequence. */
export class CheckpointError extends AuditEventsError {
  readonly file: string;

  constructor(file: string, reason: string) {
    super('AUDIT_BAD_INPUT', `checkpoint ${file}: ${reason}`);
    this.file = file;
  }
}

/** SHA-256 of a payload's exact text: what the next checkpoint names as `previous`. */
export function checkpointDigest(payloadText: string): string {
  return createHash('sha256').update(payloadText, 'utf8').digest('hex');
}

function ed25519(key: KeyObject, kind: 'private' | 'public', setting: string): KeyObject {
  if (key.type !== kind || key.asymmetricKeyType !== 'ed25519') {
    throw new ConfigurationError(
      setting,
      `must be an Ed25519 ${kind} key, got a ${key.asymmetricKeyType ?? key.type} ${key.type} key`,
    );
  }
  return key;
}

/** An Ed25519 private key from PEM text/bytes or a KeyObject; the message never quotes the key. */
export function checkpointPrivateKey(value: unknown, setting = 'privateKey'): KeyObject {
  if (value instanceof KeyObject) return ed25519(value, 'private', setting);
  try {
    return ed25519(createPrivateKey(value as string | Buffer), 'private', setting);
  } catch (err) {
    if (err instanceof ConfigurationError) throw err;
    throw new ConfigurationError(setting, 'is not a PEM private key (generate one: audit-events keys signing-pair)');
  }
}

/** An Ed25519 public key from PEM text/bytes or a KeyObject (a private key yields its public half). */
export function checkpointPublicKey(value: unknown, setting = 'publicKey'): KeyObject {
  if (value instanceof KeyObject)
    return ed25519(value.type === 'private' ? createPublicKey(value) : value, 'public', setting);
  try {
    return ed25519(createPublicKey(value as string | Buffer), 'public', setting);
  } catch (err) {
    if (err instanceof ConfigurationError) throw err;
    throw new ConfigurationError(setting, 'is not a PEM public key');
  }
}

/** The file text of a signed checkpoint: `{ format, payload: "<JSON text>", signature: "<base64>" }`. */
export function signCheckpoint(payload: CheckpointPayload, privateKey: KeyObject): { text: string; digest: string } {
  const payloadText = JSON.stringify(payload);
  const signature = sign(null, Buffer.from(payloadText, 'utf8'), privateKey).toString('base64');
  return {
    text: `${JSON.stringify({ format: CHECKPOINT_FORMAT, payload: payloadText, signature }, null, 2)}\n`,
    digest: checkpointDigest(payloadText),
  };
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Parses a checkpoint file, checks its signature and the shape of what it signs. */
export function openCheckpoint(
  text: string,
  file: string,
  publicKey: KeyObject,
): { payload: CheckpointPayload; digest: string } {
  let outer: unknown;
  try {
    outer = JSON.parse(text);
  } catch {
    throw new CheckpointError(file, 'is not valid JSON');
  }
  const o = outer as { format?: unknown; payload?: unknown; signature?: unknown } | null;
  if (
    o === null ||
    typeof o !== 'object' ||
    o.format !== CHECKPOINT_FORMAT ||
    typeof o.payload !== 'string' ||
    typeof o.signature !== 'string'
  ) {
    throw new CheckpointError(file, `is not an ${CHECKPOINT_FORMAT} file ({ format, payload, signature })`);
  }
  const signature = Buffer.from(o.signature, 'base64');
  if (signature.length !== 64 || !verify(null, Buffer.from(o.payload, 'utf8'), publicKey, signature)) {
    throw new CheckpointError(
      file,
      'signature does not verify with the public key (forged, altered, or signed with another key)',
    );
  }
  let payload: CheckpointPayload;
  try {
    payload = JSON.parse(o.payload) as CheckpointPayload;
  } catch {
    throw new CheckpointError(file, 'signed payload is not valid JSON');
  }
  checkPayload(payload, file);
  return { payload, digest: checkpointDigest(o.payload) };
}

/** A signed payload is trusted for authenticity, not shape: a bug in a writer must not crash verify. */
function checkPayload(p: CheckpointPayload, file: string): void {
  const bad = (what: string): never => {
    throw new CheckpointError(file, `signed payload: ${what}`);
  };
  if (p === null || typeof p !== 'object' || p.format !== CHECKPOINT_FORMAT) bad('wrong format');
  if (!Number.isSafeInteger(p.sequence) || p.sequence < 1) bad('sequence must be an integer >= 1');
  if (p.previous !== null && (typeof p.previous !== 'string' || !HEX64.test(p.previous)))
    bad('previous must be null or 64 hex digits');
  if (p.tables === null || typeof p.tables !== 'object' || Array.isArray(p.tables)) bad('tables must be an object');
  for (const [table, heads] of Object.entries(p.tables)) {
    if (!Array.isArray(heads)) bad(`tables.${table} must be an array`);
    for (const h of heads) {
      if (
        h === null ||
        typeof h !== 'object' ||
        typeof h.chainId !== 'string' ||
        !Number.isSafeInteger(h.seq) ||
        h.seq < 1 ||
        typeof h.hash !== 'string' ||
        !HEX64.test(h.hash)
      ) {
        bad(`a head of ${table} is not { chainId, seq, hash, keyId, time }`);
      }
      if (h.contentDigest !== undefined && (typeof h.contentDigest !== 'string' || !HEX64.test(h.contentDigest))) {
        bad(`a head of ${table} has a malformed contentDigest`);
      }
      if (h.keyId !== null) {
        try {
          checkKeyId(h.keyId, 'keyId');
        } catch {
          bad(`a head of ${table} has a malformed keyId`);
        }
      }
    }
  }
}
