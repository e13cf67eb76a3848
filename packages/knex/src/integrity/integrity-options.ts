import { ConfigurationError } from '@audit-events/core';
import { checkChainId, newChainId } from './chain-id.js';

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
}

export interface ResolvedIntegrity {
  chainId: string;
  /** True for a freshly generated id: nothing to resume, no head to read. */
  fresh: boolean;
}

/** Validates the option; null when integrity is off. */
export function resolveIntegrity(option: unknown, setting = 'integrity'): ResolvedIntegrity | null {
  if (option === undefined || option === false) return null;
  if (option === true) return { chainId: newChainId(), fresh: true };
  if (option === null || typeof option !== 'object' || Array.isArray(option)) {
    throw new ConfigurationError(setting, 'must be true, false or { chainId?: string }');
  }
  const { chainId, ...rest } = option as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new ConfigurationError(setting, `unknown option(s) ${unknown.join(', ')}`);
  if (chainId === undefined) return { chainId: newChainId(), fresh: true };
  return { chainId: checkChainId(chainId, `${setting}.chainId`), fresh: false };
}
