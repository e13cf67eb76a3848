import { AuditContext, type AuditContextInit } from '../context/audit-context.js';
import { ConfigurationError, NotJsonSerializableError } from '../errors.js';
import { toJsonSafe } from '../events/json-safe.js';
import type { JsonObject, JsonValue } from '../events/types.js';
import { normalizeUser } from '../events/user.js';
import { MASK, type FieldMasker } from '../masking/mask.js';
import { truncateJson } from '../masking/truncate.js';
import { normalizeIp } from './client-ip.js';
import { pickHeaders } from './headers.js';
import type { ResolvedOptions } from './options.js';
import { resolveRequestId } from './request-id.js';

/**
 * A framework's request read into one plain shape, so capture logic is written once. The
 * accessors are called lazily: body, query and user may only exist after later middleware ran.
 */
export interface RequestSnapshot {
  method: string;
  /** Absolute URL including the query string (read lazily: readers may define it as a getter). */
  readonly url: string;
  readonly path: string;
  /** The framework's client address (honours its own trust-proxy setting). */
  ip: string | null | undefined;
  headers: Record<string, string | string[] | undefined>;
  query: () => unknown;
  body: () => unknown;
  user: () => unknown;
}

const MAX_URL = 2048;
const MAX_USER_AGENT = 512;

/** Builds the AuditContext of one request. `req` is handed to the user's resolver functions. */
export function createRequestContext<Req>(
  snapshot: RequestSnapshot,
  options: ResolvedOptions<Req>,
  req: Req,
): AuditContext {
  const { masker } = options;
  const requestId = resolveRequestId(snapshot.headers[options.requestIdHeader], options.generateRequestId);
  let ip = normalizeIp(snapshot.ip);
  if (options.clientIpResolver) {
    try {
      // A resolver returning something that is not an address (a raw header) keeps the socket's.
      ip = normalizeIp(options.clientIpResolver(req)) ?? ip;
    } catch {
      // A broken resolver must not fail the request; the framework's address is the safe fallback.
    }
  }
  const userAgent = snapshot.headers['user-agent'];
  const init: AuditContextInit = {
    requestId,
    method: snapshot.method,
    url: () => maskUrl(snapshot.url, (key) => masker.isSensitive(key)),
    path: () => snapshot.path,
    ip,
    userAgent: typeof userAgent === 'string' ? userAgent.slice(0, MAX_USER_AGENT) : null,
    user: () => normalizeUser(options.getUser ? options.getUser(req) : snapshot.user()),
    headers: options.includeHeaders.length > 0 ? () => pickHeaders(snapshot.headers, options.includeHeaders, masker) : null,
    extraData: resolveExtraData(options, req),
  };
  if (options.includeQueryParams) {
    init.queryParams = memoize(() => snapshot.query(), (raw) => capture(raw, 'queryParams', masker, options.maxBodyBytes) as JsonObject | null);
  }
  if (options.includePostData) {
    init.postData = memoize(() => snapshot.body(), (raw) => capture(raw, 'postData', masker, options.maxBodyBytes));
  }
  if (options.store) init.store = options.store;
  if (options.describer) init.describer = options.describer;
  return new AuditContext(init);
}

/** The static extraData, or the function's result for this request (which must be an object). */
function resolveExtraData<Req>(options: ResolvedOptions<Req>, req: Req): Record<string, unknown> {
  const { extraData } = options;
  if (typeof extraData !== 'function') return extraData ?? {};
  const value: unknown = extraData(req);
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigurationError('extraData', 'the function must return an object');
  }
  return value as Record<string, unknown>;
}

/** Recomputes only when the underlying raw value changes (e.g. a body parser ran in between). */
function memoize<T>(read: () => unknown, compute: (raw: unknown) => T): () => T {
  let computed = false;
  let lastRaw: unknown;
  let last: T;
  return () => {
    const raw = read();
    if (!computed || raw !== lastRaw) {
      last = compute(raw);
      lastRaw = raw;
      computed = true;
    }
    return last;
  };
}

/** Raw body or query → JSON → masked at every depth → truncated. Never throws. */
function capture(raw: unknown, path: string, masker: FieldMasker, maxBytes: number): JsonValue | null {
  if (raw === undefined || raw === null) return null;
  let value: JsonValue;
  if (Buffer.isBuffer(raw)) {
    value = { _binary: true, bytes: raw.length };
  } else if (typeof raw === 'object' && Object.keys(raw).length === 0 && !Array.isArray(raw)) {
    return null;
  } else {
    try {
      value = toJsonSafe(raw, path);
    } catch (err) {
      const reason = err instanceof NotJsonSerializableError ? err.message : 'unreadable';
      value = { _unserializable: true, reason };
    }
  }
  return truncateJson(masker.mask(value), maxBytes);
}

/**
 * Masks sensitive query-string values inside the URL itself (`?token=…` must not leak via `url`),
 * and drops any fragment: browsers never send one, and text after a `#` in a request target is
 * invisible to the app's query parser, so `?a=1#&token=…` would otherwise be stored in clear.
 */
export function maskUrl(url: string, isSensitive: (key: string) => boolean): string {
  const hashAt = url.indexOf('#');
  if (hashAt !== -1) url = url.slice(0, hashAt);
  const q = url.indexOf('?');
  let result = url;
  if (q !== -1) {
    const query = url.slice(q + 1);
    const parts = query.split('&');
    let changed = false;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const eq = part.indexOf('=');
      const rawKey = eq === -1 ? part : part.slice(0, eq);
      let key: string;
      try {
        key = decodeURIComponent(rawKey.replace(/\+/g, ' '));
      } catch {
        key = rawKey;
      }
      // `user[password]=…` is sensitive through its bracketed segment, as qs would parse it.
      const segments = [key.replace(/\[.*$/, ''), ...[...key.matchAll(/\[([^\]]*)\]/g)].map((m) => m[1] ?? '')];
      if (eq !== -1 && segments.some((segment) => segment.length > 0 && isSensitive(segment))) {
        parts[i] = `${rawKey}=${MASK}`;
        changed = true;
      }
    }
    if (changed) result = url.slice(0, q + 1) + parts.join('&');
  }
  return result.length > MAX_URL ? result.slice(0, MAX_URL) : result;
}
