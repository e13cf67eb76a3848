import { ConfigurationError } from '../errors.js';
import { ambiguousKeys, foldAttributeName } from './attribute-names.js';
import type { Rejection } from './decide.js';

/**
 * Decisions one check may emit, by default: one request must never flood the logger's bounded
 * queue (10,000 by default) and push other requests' decisions out of it.
 */
export const DEFAULT_MAX_ATTRIBUTES = 100;

export function resolveMaxAttributes(value: unknown, setting: string): number {
  if (value === undefined) return DEFAULT_MAX_ATTRIBUTES;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ConfigurationError(setting, 'must be a positive integer (decisions one check may emit)');
  }
  return value;
}

export interface NameLimits {
  /** At most this many attributes per check. */
  readonly maxAttributes: number;
  /** Folded names that have their own gate, reported when a check is refused for its size. */
  readonly gated: ReadonlySet<string>;
}

/**
 * Why a check's attribute names must be refused as a whole, or null. `fromBody`: the names are
 * the keys of a request body (create, update, mutation), where two spellings of one attribute
 * (`budget`, `Budget`) leave the stored value to the database's collation.
 */
export function inspectAttributeNames(
  keys: readonly string[],
  fromBody: boolean,
  limits: NameLimits,
): Rejection | null {
  if (keys.length > limits.maxAttributes) {
    // Only the definition's own names go into the event: bounded, and not the client's text.
    const gated = new Set<string>();
    if (limits.gated.size > 0) {
      for (const key of keys) {
        const folded = foldAttributeName(key);
        if (limits.gated.has(folded)) gated.add(folded);
      }
    }
    return {
      reason: 'too_many_attributes',
      message: `${keys.length} attributes in one check, more than maxAttributes (${limits.maxAttributes})`,
      details: { attribute_count: keys.length, max_attributes: limits.maxAttributes, gated_attributes: [...gated] },
    };
  }
  if (fromBody) {
    const pair = ambiguousKeys(keys);
    if (pair !== null) {
      return {
        reason: 'ambiguous_attributes',
        message: `the body names one attribute twice (${JSON.stringify(pair[0].slice(0, 64))} and ${JSON.stringify(pair[1].slice(0, 64))}; names are compared case-insensitively)`,
        details: {},
      };
    }
  }
  return null;
}
