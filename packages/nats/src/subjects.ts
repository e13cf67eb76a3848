import { ConfigurationError } from '@audit-events/core';

/** The subject token permission decisions are published under; no encoded content type can equal it. */
export const PERMISSION_TOKEN = '_permissions';

const SAFE = /^[A-Za-z0-9-]$/;

/**
 * A content type as one subject token. NATS subjects split on `.`, treat `*` and `>` as
 * wildcards and forbid whitespace, so every character outside `[A-Za-z0-9-]` (including `_` and
 * `%`) is written as `%XX` bytes of its UTF-8: reversible, and a token starting with `_` (like
 * PERMISSION_TOKEN) is never produced.
 */
export function encodeSubjectToken(value: string): string {
  let out = '';
  for (const char of value) {
    if (SAFE.test(char)) {
      out += char;
      continue;
    }
    for (const byte of Buffer.from(char, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The inverse of encodeSubjectToken. */
export function decodeSubjectToken(token: string): string {
  return decodeURIComponent(token);
}

/** Checks a subject prefix: dot-separated tokens without wildcards or whitespace. */
export function checkSubjectPrefix(prefix: unknown, setting = 'subjectPrefix'): string {
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/.test(prefix)) {
    throw new ConfigurationError(
      setting,
      `must be dot-separated tokens of letters, digits, _ $ -, got ${JSON.stringify(prefix)}`,
    );
  }
  return prefix;
}

/** `<prefix>.<encoded content type>`: where one request event is published. */
export function eventSubject(prefix: string, contentType: string): string {
  return `${prefix}.${encodeSubjectToken(contentType)}`;
}

/** `<prefix>._permissions`: where permission decisions are published. */
export function permissionSubject(prefix: string): string {
  return `${prefix}.${PERMISSION_TOKEN}`;
}
