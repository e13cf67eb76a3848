import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { ConfigurationError } from '@audit-events/core';
import {
  checkKeyId,
  MIN_KEY_BYTES,
  resolveKey,
  type ChainKey,
  type KeyProvider,
  type ResolvedKey,
} from './chain-key.js';

/** Default environment variable of keySetFromEnv(). */
export const DEFAULT_KEYS_ENV = 'AUDIT_EVENTS_KEYS';

/**
 * A fixed set of keys, one of them current: the ready-made KeyProvider. Its JSON form is
 * `{ "current": "k2", "keys": [{ "id": "k1", "secret": "<base64>", "retired": true }, { "id": "k2",
 * "secret": "<base64>" }] }`.
 * Printing or serialising it shows ids only.
 */
export class KeySet implements KeyProvider {
  readonly currentId: string | null;
  readonly #keys: ReadonlyMap<string, ResolvedKey>;

  constructor(keys: readonly ChainKey[], currentId: string | null, setting = 'keys') {
    if (!Array.isArray(keys) || keys.length === 0) throw new ConfigurationError(setting, 'must hold at least one key');
    const map = new Map<string, ResolvedKey>();
    keys.forEach((given, i) => {
      const key = resolveKey(given, `${setting}[${i}]`);
      if (map.has(key.id)) throw new ConfigurationError(`${setting}[${i}]`, `key id "${key.id}" appears twice`);
      map.set(key.id, key);
    });
    if (currentId !== null) {
      checkKeyId(currentId, `${setting}.current`);
      const current = map.get(currentId);
      if (current === undefined)
        throw new ConfigurationError(`${setting}.current`, `names key "${currentId}", which the set does not hold`);
      if (current.retired)
        throw new ConfigurationError(`${setting}.current`, `names key "${currentId}", which is retired`);
    }
    this.#keys = map;
    this.currentId = currentId;
  }

  /** The signing key. A verify-only set (no current key) throws: such a set cannot sign. */
  current(): ChainKey {
    if (this.currentId === null)
      throw new ConfigurationError('keys.current', 'this key set has no current key: it can verify, not sign');
    return this.#keys.get(this.currentId) as ResolvedKey;
  }

  get(id: string): ChainKey | undefined {
    return this.#keys.get(id);
  }

  /** The ids, current first. */
  ids(): string[] {
    return [...this.#keys.keys()].sort((a, b) =>
      a === this.currentId ? -1 : b === this.currentId ? 1 : a < b ? -1 : 1,
    );
  }

  toJSON(): object {
    return { current: this.currentId, keys: this.ids() };
  }

  [inspect.custom](): string {
    return `KeySet { current: ${JSON.stringify(this.currentId)}, keys: ${JSON.stringify(this.ids())} }`;
  }
}

/**
 * Parses a JSON key set. `source` names where it came from in errors. The parser's own message
 * is never shown: it may quote the text around the error, i.e. a secret.
 */
export function parseKeySet(text: string, source: string): KeySet {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigurationError(
      source,
      'is not valid JSON (a key set: { "current": "<id>", "keys": [{ "id", "secret" }] })',
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigurationError(source, 'must be a JSON object { "current": "<id>", "keys": [...] }');
  }
  const { current, keys, ...rest } = parsed as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0)
    throw new ConfigurationError(
      source,
      `unknown field(s) ${unknown.map((k) => JSON.stringify(k.slice(0, 40))).join(', ')}`,
    );
  if (!Array.isArray(keys))
    throw new ConfigurationError(`${source}.keys`, 'must be an array of { id, secret, retired? }');
  if (current !== undefined && current !== null && typeof current !== 'string') {
    throw new ConfigurationError(`${source}.current`, 'must be a key id');
  }
  keys.forEach((key: unknown, i) => {
    if (key === null || typeof key !== 'object' || Array.isArray(key))
      throw new ConfigurationError(`${source}.keys[${i}]`, 'must be { id, secret, retired? }');
    const extra = Object.keys(key).filter((k) => k !== 'id' && k !== 'secret' && k !== 'retired');
    if (extra.length > 0)
      throw new ConfigurationError(
        `${source}.keys[${i}]`,
        `unknown field(s) ${extra.map((k) => JSON.stringify(k.slice(0, 40))).join(', ')}`,
      );
  });
  return new KeySet(keys as ChainKey[], typeof current === 'string' ? current : null, `${source}.keys`);
}

/** The key set in an environment variable (default AUDIT_EVENTS_KEYS). */
export function keySetFromEnv(name: string = DEFAULT_KEYS_ENV, env: NodeJS.ProcessEnv = process.env): KeySet {
  const text = env[name];
  if (text === undefined || text.trim() === '')
    throw new ConfigurationError(name, 'environment variable is not set (a JSON key set)');
  return parseKeySet(text, name);
}

/** The key set in a JSON file, read once, now. */
export function keySetFromFile(path: string): KeySet {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigurationError(
      'keys',
      `cannot read key set file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      { cause: err },
    );
  }
  return parseKeySet(text, `key set file ${path}`);
}

/** A fresh key entry for a key set: 32 random bytes, base64; the id defaults to `k<UTC date/time>`. */
export function generateKeyEntry(id?: string): { id: string; secret: string } {
  const keyId = id ?? `k${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15).toLowerCase()}`;
  checkKeyId(keyId, 'id');
  return { id: keyId, secret: randomBytes(MIN_KEY_BYTES).toString('base64') };
}
