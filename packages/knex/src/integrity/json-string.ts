/**
 * JSON.stringify(value) for a string. Most strings a chain hashes (ids, times, hex hashes, names)
 * need no escaping, and for those the quoted string is the answer; JSON.stringify's own per-call
 * setup costs more than the check below for the short strings a row is made of.
 */
export function jsonString(value: string): string {
  return needsNoEscape(value) ? `"${value}"` : JSON.stringify(value);
}

/** A character JSON.stringify escapes, or a surrogate (a lone one is escaped; a pair is left to it). */
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * True when JSON.stringify writes `value` as itself between quotes. A regular expression: on the
 * short strings of a row it costs about half what a loop over char codes does.
 */
export function needsNoEscape(value: string): boolean {
  return !ESCAPED.test(value);
}
