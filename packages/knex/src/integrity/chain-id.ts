import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { ConfigurationError } from '@audit-events/core';

/** The chain_id column holds 64 characters. */
export const MAX_CHAIN_ID_LENGTH = 64;

/**
 * Lower case only: MySQL tables created without a binary collation compare case-insensitively,
 * where `Web-1` and `web-1` would be one chain to the database and two to the verifier.
 */
const CHAIN_ID = /^[a-z0-9][a-z0-9._:@-]*$/;

/** Validates a configured chain id; a ConfigurationError names what is wrong. */
export function checkChainId(value: unknown, setting = 'integrity.chainId'): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_CHAIN_ID_LENGTH || !CHAIN_ID.test(value)) {
    throw new ConfigurationError(
      setting,
      `must be 1 to ${MAX_CHAIN_ID_LENGTH} characters of a-z, 0-9 and . _ : @ - (starting with a letter or digit), got ${JSON.stringify(String(value))}`,
    );
  }
  return value;
}

/**
 * A chain id no other writer has: host name and pid say where the rows came from, 48 random bits
 * make it unique across restarts and containers that share a host name and pid.
 */
export function newChainId(): string {
  const host = hostname()
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 32);
  const random = randomBytes(6).toString('hex');
  return `${host || 'host'}-${process.pid}-${random}`.slice(-MAX_CHAIN_ID_LENGTH);
}
