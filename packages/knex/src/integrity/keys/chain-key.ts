import { createSecretKey, KeyObject } from 'node:crypto';
import { ConfigurationError } from '@audit-events/core';

/** HMAC-SHA256 keys shorter than its block output are guessable sooner than the hash they guard. */
export const MIN_KEY_BYTES = 32;

/** Key ids are stored in the 64-character key_id column and printed by verify. */
export const MAX_KEY_ID_LENGTH = 64;
const KEY_ID = /^[a-z0-9][a-z0-9._:-]*$/;

/**
 * A writer key: `secret` is a KeyObject, raw bytes, or base64 text of at least 32 bytes.
 * `retired` keys verify older rows but never sign new ones.
 */
export interface ChainKey {
  id: string;
  secret: KeyObject | Uint8Array | string;
  retired?: boolean;
}

/**
 * Where keys come from. `current()` is asked once per batch (rotation takes effect from the next
 * row on); `get(id)` finds the key that signed a row, retired or not. Either may throw: a batch
 * then fails as not stored, never written unkeyed.
 */
export interface KeyProvider {
  current(): ChainKey;
  get(id: string): ChainKey | undefined;
}

/** A validated key: the secret only as a KeyObject (which prints as its size, never its bytes). */
export interface ResolvedKey {
  readonly id: string;
  readonly secret: KeyObject;
  readonly retired: boolean;
}

/** Validates a key id; the message quotes the id (ids are not secret). */
export function checkKeyId(value: unknown, setting: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_KEY_ID_LENGTH || !KEY_ID.test(value)) {
    const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, MAX_KEY_ID_LENGTH)) : typeof value;
    throw new ConfigurationError(
      setting,
      `key id must be 1 to ${MAX_KEY_ID_LENGTH} characters of a-z, 0-9 and . _ : - (starting with a letter or digit), got ${shown}`,
    );
  }
  return value;
}

const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** The secret as a KeyObject; errors state the problem and length, never the bytes. */
function secretKey(secret: unknown, setting: string): KeyObject {
  let key: KeyObject;
  if (secret instanceof KeyObject) {
    if (secret.type !== 'secret') throw new ConfigurationError(setting, 'secret must be a secret KeyObject');
    key = secret;
  } else if (secret instanceof Uint8Array) {
    key = createSecretKey(Buffer.from(secret));
  } else if (typeof secret === 'string') {
    const text = secret.trim();
    if (!BASE64.test(text)) throw new ConfigurationError(setting, 'secret must be base64 text (or bytes); it is not');
    key = createSecretKey(Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64'));
  } else {
    throw new ConfigurationError(
      setting,
      `secret must be base64 text, bytes or a KeyObject, got ${secret === null ? 'null' : typeof secret}`,
    );
  }
  const size = key.symmetricKeySize ?? 0;
  if (size < MIN_KEY_BYTES) {
    throw new ConfigurationError(setting, `secret is ${size} bytes; at least ${MIN_KEY_BYTES} are needed`);
  }
  return key;
}

/** Validates one key as given by a user or a provider. */
export function resolveKey(value: unknown, setting: string): ResolvedKey {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigurationError(setting, 'must be { id, secret, retired? }');
  }
  const { id, secret, retired } = value as Record<string, unknown>;
  const checkedId = checkKeyId(id, `${setting}.id`);
  if (retired !== undefined && typeof retired !== 'boolean')
    throw new ConfigurationError(`${setting}.retired`, 'must be a boolean');
  return { id: checkedId, secret: secretKey(secret, `${setting} "${checkedId}"`), retired: retired === true };
}
