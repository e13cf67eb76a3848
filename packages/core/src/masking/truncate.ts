import type { JsonValue } from '../events/types.js';

/** Default cap on the serialised size of captured POST data or query params. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

export interface TruncatedMarker {
  _truncated: true;
  originalBytes: number;
  limitBytes: number;
  preview: string;
  /**
   * Set when the capture stopped at the limit without reading the rest: originalBytes is then
   * the body's declared size (Content-Length), or at least the bytes read, not the exact size.
   */
  estimated?: true;
}

/** Characters of JSON kept in a truncation marker's preview. */
export function previewLength(limit: number): number {
  return Math.max(0, Math.min(1024, Math.floor(limit / 4)));
}

/**
 * Replaces a value whose JSON form exceeds `limit` bytes by a marker with a prefix of that JSON.
 * Call it on already-masked data only, so the preview never holds a secret.
 */
export function truncateJson(value: JsonValue, limit: number): JsonValue {
  const text = JSON.stringify(value);
  if (text === undefined) return null;
  if (text.length <= limit / 4) return value; // cheap path: cannot exceed the limit in UTF-8
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= limit) return value;
  const previewChars = previewLength(limit);
  const marker: TruncatedMarker = {
    _truncated: true,
    originalBytes: bytes,
    limitBytes: limit,
    preview: text.slice(0, previewChars),
  };
  return marker as unknown as JsonValue;
}
