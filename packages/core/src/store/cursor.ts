import { InvalidQueryError } from '../errors.js';
import { isQueryTime } from './query-date.js';

/** Position after which the next page starts: events strictly older than (createdAt, id). */
export interface CursorPosition {
  createdAt: Date;
  id: string;
}

/** Longest cursor accepted: a real one (a 16-digit time and a 64-character id) is about 115. */
export const MAX_CURSOR_LENGTH = 256;

const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** Ids a cursor may carry: printable ASCII without spaces, as every store's ids are. */
const CURSOR_ID = /^[\x21-\x7e]{1,64}$/;

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt.getTime(), position.id])).toString('base64url');
}

/**
 * The position a cursor names, or InvalidQueryError. A cursor is opaque but travels through
 * clients, so it is checked as hostile input: it must be exactly what encodeCursor produces for
 * a whole-millisecond time in the range every store handles and a printable id. A forged one
 * (`[1e300,"x"]`, a NUL in the id, extra fields, odd base64) never reaches a database.
 */
export function decodeCursor(cursor: unknown): CursorPosition {
  if (typeof cursor === 'string' && cursor.length <= MAX_CURSOR_LENGTH && BASE64URL.test(cursor)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    } catch {
      parsed = undefined;
    }
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[0] === 'number' &&
      isQueryTime(parsed[0]) &&
      typeof parsed[1] === 'string' &&
      CURSOR_ID.test(parsed[1])
    ) {
      const position = { createdAt: new Date(parsed[0]), id: parsed[1] };
      // Canonical form only: other spellings of the same JSON or base64 are not cursors we made.
      if (encodeCursor(position) === cursor) return position;
    }
  }
  throw new InvalidQueryError('cursor is not a cursor this API returned (use nextCursor as given)');
}
