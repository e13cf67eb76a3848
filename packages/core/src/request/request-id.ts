import { newEventId } from '../events/ids.js';

/** Incoming request ids are adopted only when they look like an id: no spaces, no markup, bounded. */
const WELL_FORMED = /^[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,127}$/;
/** What is kept of an id that is not adopted: printable ASCII, at most 128 characters. */
const KEEPABLE = /^[\x20-\x7e]{1,128}$/;

/** Content key (and permission metadata key) of the client's own request id when it was not used. */
export const CLIENT_REQUEST_ID_KEY = 'client_request_id';

export function isWellFormedRequestId(value: unknown): value is string {
  return typeof value === 'string' && WELL_FORMED.test(value);
}

/**
 * The default request id: a UUID version 7, like event ids. Time-ordered ids go to the end of the
 * request_id index instead of a random page of it, which keeps INSERTs cheap on every dialect's
 * B-trees. Its first 48 bits are the request's millisecond, which the client that made the request
 * knows anyway. The middlewares make it on first read, in the place in the order of ids taken when
 * the request arrived (claimIdSlot), so it is the id this function would have made then.
 */
export function newRequestId(): string {
  return newEventId();
}

/**
 * The incoming id when well formed, otherwise a new one: the stored id is always safe to log and
 * to echo as a header. For an id from a trusted source; requests go through resolveRequestIds.
 * A custom generator's output is held to the same rule (a bad one would make setting the response
 * header throw on every request), falling back to newRequestId().
 */
export function resolveRequestId(incoming: unknown, generate: () => string = newRequestId): string {
  const value = Array.isArray(incoming) ? incoming[0] : incoming;
  if (isWellFormedRequestId(value)) return value;
  return generatedId(generate);
}

function generatedId(generate: () => string): string {
  if (generate === newRequestId) return newRequestId(); // always well formed: no need to check it
  const generated = generate();
  return isWellFormedRequestId(generated) ? generated : newRequestId();
}

/** The ids of one request: the one used (stored as request_id, echoed) and the client's, kept apart. */
export interface RequestIds {
  requestId: string;
  /** The incoming id when it was not used as requestId and is printable ASCII of at most 128 characters; else null. */
  clientRequestId: string | null;
}

/**
 * Decides a request's ids. An incoming id is adopted only from a proxy the app trusts (the rule
 * X-Forwarded-For follows: Express `trust proxy`, Koa `app.proxy`) and only when well formed: any
 * client could otherwise pick the id its requests are filed under, and make them look like
 * another request's. Otherwise a new id is used and the incoming value, when printable, is kept
 * apart as clientRequestId for correlation with the client's own logs.
 * `peer.fromTrustedProxy` is read only when an id came in.
 */
export function resolveRequestIds(
  incoming: unknown,
  peer: { readonly fromTrustedProxy?: boolean | undefined },
  generate: () => string = newRequestId,
): RequestIds {
  if (incoming === undefined) return { requestId: generatedId(generate), clientRequestId: null };
  const value = Array.isArray(incoming) ? incoming.join(', ') : incoming;
  if (peer.fromTrustedProxy === true && isWellFormedRequestId(value))
    return { requestId: value, clientRequestId: null };
  return {
    requestId: generatedId(generate),
    clientRequestId: typeof value === 'string' && KEEPABLE.test(value) ? value : null,
  };
}
