import { ConfigurationError } from '@audit-events/core';
import { resolveKey, type ChainKey, type KeyProvider, type ResolvedKey } from './chain-key.js';

/**
 * Thrown when a batch cannot get its signing key (the provider threw, returned a bad or retired
 * key): nothing of the batch was written, and it is never written unkeyed instead.
 */
export class SigningKeyError extends ConfigurationError {
  // No `cause`: a provider's own error might quote what it read (a secret), and loggers print causes.
  constructor(message: string) {
    super('integrity.keys', message);
    this.name = 'SigningKeyError';
  }
}

/** What went wrong in a provider, without its message (which might quote what it read). */
function describe(err: unknown): string {
  if (err instanceof ConfigurationError) return err.message;
  const e = err as { name?: unknown; code?: unknown } | null;
  const name = typeof e?.name === 'string' ? e.name : typeof err;
  return typeof e?.code === 'string' ? `${name} (${e.code})` : name;
}

/**
 * A KeyProvider behind validation and a cache of resolved keys: every key the writer or the
 * verifier uses passed resolveKey(), and a provider's bad answer becomes a typed error.
 */
export class Keyring {
  readonly #provider: KeyProvider;
  readonly #resolved = new Map<string, { from: ChainKey; key: ResolvedKey }>();

  constructor(provider: KeyProvider) {
    this.#provider = provider;
  }

  #resolve(given: ChainKey, setting: string): ResolvedKey {
    const cached = this.#resolved.get(given.id);
    if (cached !== undefined && cached.from === given && cached.key.retired === (given.retired === true))
      return cached.key;
    const key = resolveKey(given, setting);
    this.#resolved.set(key.id, { from: given, key });
    return key;
  }

  /** The key new rows are signed with; SigningKeyError when there is none fit to sign. */
  signingKey(): ResolvedKey {
    let given: ChainKey;
    try {
      given = this.#provider.current();
    } catch (err) {
      throw new SigningKeyError(`the key provider's current() failed: ${describe(err)}`);
    }
    let key: ResolvedKey;
    try {
      key = this.#resolve(given, 'integrity.keys.current()');
    } catch (err) {
      throw new SigningKeyError(describe(err));
    }
    if (key.retired) throw new SigningKeyError(`key "${key.id}" is retired: it verifies older rows but cannot sign`);
    return key;
  }

  /** The key that signed a row, or undefined when the provider does not know the id. */
  verifyingKey(id: string): ResolvedKey | undefined {
    let given: ChainKey | undefined;
    try {
      given = this.#provider.get(id);
    } catch (err) {
      throw new ConfigurationError('keys', `the key provider's get() failed: ${describe(err)}`);
    }
    if (given === undefined || given === null) return undefined;
    if (given.id !== id)
      throw new ConfigurationError(
        'keys',
        `the key provider's get(${JSON.stringify(id)}) returned key "${String(given.id)}"`,
      );
    return this.#resolve(given, `keys.get(${JSON.stringify(id)})`);
  }
}

/** Accepts a KeyProvider (anything with current() and get()); a ConfigurationError otherwise. */
export function checkProvider(value: unknown, setting: string): KeyProvider {
  const p = value as Partial<KeyProvider> | null;
  if (p === null || typeof p !== 'object' || typeof p.current !== 'function' || typeof p.get !== 'function') {
    throw new ConfigurationError(setting, 'must be a key provider: { current(): { id, secret }, get(id) }');
  }
  return p as KeyProvider;
}
