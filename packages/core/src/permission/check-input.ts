import { ambiguousKeys } from './attribute-names.js';
import type { Rejection } from './decide.js';

/**
 * Why a check's attribute names must be refused as a whole, or null. `fromBody`: the names are
 * the keys of a request body (create, update, mutation), where two spellings of one attribute
 * (`budget`, `Budget`) leave the stored value to the database's collation.
 */
export function inspectAttributeNames(keys: readonly string[], fromBody: boolean): Rejection | null {
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
