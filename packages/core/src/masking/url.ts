import { isSecretString } from './secret-values.js';
import { MASK } from './marker.js';

/** Longest stored URL. */
export const MAX_URL = 2048;
/**
 * Longest query string read before masking. The stored URL is at most MAX_URL characters, but
 * masking can shorten what comes first, so more than that is read; beyond this the rest is
 * dropped unread, with the parameter cut in the middle, so no half value is stored.
 */
export const MAX_QUERY_READ = 8 * 1024;

/**
 * Masks sensitive query-string values inside the URL itself (`?token=…` must not leak via `url`),
 * with the same key rules as bodies: the whole name (`card[number]`, `api[key]`, an unclosed
 * `user[password`), each bracketed segment and each parent/child pair of segments; values that
 * look like secrets (JWTs, `Bearer …`, card numbers) are masked under any name. The fragment is
 * dropped: browsers never send one, and text after a `#` in a request target is invisible to the
 * app's query parser, so `?a=1#&token=…` would otherwise be stored in clear. Linear in the length
 * of the URL, which is capped first (no regular expression can backtrack on `[[[[…`).
 */
export function maskUrl(url: string, isSensitive: (key: string) => boolean): string {
  const hashAt = url.indexOf('#');
  if (hashAt !== -1) url = url.slice(0, hashAt);
  const q = url.indexOf('?');
  if (q === -1 || q >= MAX_URL) return cap(url);
  let query = url.slice(q + 1);
  if (query.length > MAX_QUERY_READ) {
    query = query.slice(0, MAX_QUERY_READ);
    const lastAmp = query.lastIndexOf('&');
    query = lastAmp === -1 ? '' : query.slice(0, lastAmp);
  }
  const parts = query.split('&');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const eq = part.indexOf('=');
    const rawKey = eq === -1 ? part : part.slice(0, eq);
    if (eq === -1) {
      // A bare `?eyJ…` token is a value without a name.
      if (isSecretString(decode(rawKey))) parts[i] = MASK;
      continue;
    }
    if (isSensitiveQueryName(decode(rawKey), isSensitive) || isSecretString(decode(part.slice(eq + 1)))) {
      parts[i] = `${rawKey}=${MASK}`;
    }
  }
  return cap(url.slice(0, q + 1) + parts.join('&'));
}

function cap(url: string): string {
  return url.length > MAX_URL ? url.slice(0, MAX_URL) : url;
}

function decode(text: string): string {
  const plain = text.indexOf('+') === -1 ? text : text.split('+').join(' ');
  if (plain.indexOf('%') === -1) return plain;
  try {
    return decodeURIComponent(plain);
  } catch {
    return plain;
  }
}

/**
 * `a[b][c]` as qs reads it: checked whole (`card[number]` → `cardnumber`), by segment (`user`,
 * `password`) and by parent/child pair (`card_number`), as a nested body would be. One pass over
 * the name, no backtracking.
 */
export function isSensitiveQueryName(name: string, isSensitive: (key: string) => boolean): boolean {
  if (name.length === 0) return false;
  if (isSensitive(name)) return true;
  const segments = bracketSegments(name);
  if (segments.length < 2) return false;
  let previous: string | null = null;
  for (const segment of segments) {
    if (segment.length > 0) {
      if (isSensitive(segment)) return true;
      if (previous !== null && isSensitive(`${previous}_${segment}`)) return true;
    }
    previous = segment;
  }
  return false;
}

/** `user[address][zip]` → `user`, `address`, `zip`; an unclosed `user[pass` → `user`, `pass`. */
export function bracketSegments(name: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 91 /* [ */ || c === 93 /* ] */) {
      if (i > start) out.push(name.slice(start, i));
      start = i + 1;
    }
  }
  if (start < name.length) out.push(name.slice(start));
  return out;
}
