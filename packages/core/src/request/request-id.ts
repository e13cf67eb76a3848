import { randomUUID } from 'node:crypto';

/** Incoming request ids are kept only when they look like an id: no spaces, no markup, bounded. */
const WELL_FORMED = /^[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,127}$/;

export function isWellFormedRequestId(value: unknown): value is string {
  return typeof value === 'string' && WELL_FORMED.test(value);
}

/**
 * The incoming id when well formed, otherwise a new one: the stored id is always safe to log and
 * to echo as a header. A custom generator's output is held to the same rule (a bad one would make
 * setting the response header throw on every request), falling back to a UUID.
 */
export function resolveRequestId(incoming: unknown, generate: () => string = randomUUID): string {
  const value = Array.isArray(incoming) ? incoming[0] : incoming;
  if (isWellFormedRequestId(value)) return value;
  if (generate === randomUUID) return randomUUID(); // always well formed: no need to check it
  const generated = generate();
  return isWellFormedRequestId(generated) ? generated : randomUUID();
}
