import { ConfigurationError } from '@audit-events/core';
import { checkChainId, newChainId } from './chain-id.js';
import { resolveKey, type ChainKey, type KeyProvider } from './keys/chain-key.js';
import { checkProvider, Keyring } from './keys/keyring.js';
import { KeySet } from './keys/key-set.js';

/**
 * Tamper evidence for a store or logger: `true`, or an object to name the chain.
 * Off by default (each row then costs nothing extra and its chain columns stay null).
 */
export type IntegrityOption = boolean | IntegrityOptions;

export interface IntegrityOptions {
  /**
   * This writer's chain. Default: a fresh id per store/logger instance
   * (`<host>-<pid>-<random>`), so every process appends to a chain of its own. A fixed id lets a
   * restarted process continue its chain (its head is read from the database on the first
   * write); then no two live writers may share it — a collision costs a retried batch.
   */
  chainId?: string;
  /**
   * One writer key: each row's hash becomes an HMAC-SHA256 under it and the row stores its
   * `key_id`. Only someone holding the key can then write a row that verifies.
   */
  key?: ChainKey;
  /** Several keys, one current (rotation): a KeySet (keySetFromEnv/File) or your own provider. */
  keys?: KeyProvider;
}

export interface ResolvedIntegrity {
  chainId: string;
  /** True for a freshly generated id: nothing to resume, no head to read. */
  fresh: boolean;
  /** The writer keys when rows are keyed, else null. */
  keys: Keyring | null;
}

/** Validates the option; null when integrity is off. */
export function resolveIntegrity(option: unknown, setting = 'integrity'): ResolvedIntegrity | null {
  if (option === undefined || option === false) return null;
  if (option === true) return { chainId: newChainId(), fresh: true, keys: null };
  if (option === null || typeof option !== 'object' || Array.isArray(option)) {
    throw new ConfigurationError(setting, 'must be true, false or { chainId?, key?, keys? }');
  }
  const { chainId, key, keys, ...rest } = option as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new ConfigurationError(setting, `unknown option(s) ${unknown.join(', ')}`);
  const keyring = resolveKeys(key, keys, setting);
  if (chainId === undefined) return { chainId: newChainId(), fresh: true, keys: keyring };
  return { chainId: checkChainId(chainId, `${setting}.chainId`), fresh: false, keys: keyring };
}

/**
 * The writer keys, checked now: a missing, short or retired current key is a ConfigurationError
 * at start-up rather than a first batch that fails.
 */
function resolveKeys(key: unknown, keys: unknown, setting: string): Keyring | null {
  if (key !== undefined && keys !== undefined) throw new ConfigurationError(setting, 'takes key or keys, not both');
  if (key === undefined && keys === undefined) return null;
  let provider: KeyProvider;
  if (key !== undefined) {
    const resolved = resolveKey(key, `${setting}.key`);
    provider = new KeySet([resolved], resolved.id, `${setting}.key`);
  } else {
    provider = checkProvider(keys, `${setting}.keys`);
  }
  const keyring = new Keyring(provider);
  keyring.signingKey(); // a SigningKeyError (a ConfigurationError) now, not at the first batch
  return keyring;
}
