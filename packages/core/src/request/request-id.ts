import { newEventId } from '../events/ids.js';

/** Incoming request ids are kept only when they look like an id: no spaces, no markup, bounded. */
const WELL_FORMED = /^[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,127}$/;

export function isWellFormedRequestId(value: unknown): value is string {
  return typeof value === 'string' && WELL_FORMED.test(value);
}

/**
 * The default request id: a UUID version 7, like event ids. Time-ordered ids go to the end of the
 * request_id index instead of a random page of it: on SQLite a random UUIDv4 per row doubled the
 * cost of an INSERT with the store's indexes (9.0 vs 4.7 µs of CPU per row), and B-trees on
 * MySQL and PostgreSQL suffer the same way. Its first 48 bits are the request's millisecond,
 * which the client that made the request knows anyway.
 */
export function newRequestId(): string {
  return newEventId();
}

/**
 * The incoming id when well formed, otherwise a new one: the stored id is always safe to log and
 * to echo as a header. A custom generator's output is held to the same rule (a bad one would make
 * setting the response header throw on every request), falling back to newRequestId().
 */
export function resolveRequestId(incoming: unknown, generate: () => string = newRequestId): string {
  const value = Array.isArray(incoming) ? incoming[0] : incoming;
  if (isWellFormedRequestId(value)) return value;
  if (generate === newRequestId) return newRequestId(); // always well formed: no need to check it
  const generated = generate();
  return isWellFormedRequestId(generated) ? generated : newRequestId();
}
