import type { JsonValue } from '../events/types.js';

/** Default cap on the serialised size of captured POST data or query params. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

export interface TruncatedMarker {
  _truncated: true;
  originalBytes: number;
  limitBytes: number;
  preview: string;
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
  const previewChars = Math.max(0, Math.min(1024, Math.floor(limit / 4)));
  const marker: TruncatedMarker = {
    _truncated: true,
    originalBytes: bytes,
    limitBytes: limit,
    preview: text.slice(0, previewChars),
  };
  return marker as unknown as JsonValue;
}
