import { AuditContext, type AuditContextInit, type AuditContextSource } from '../context/audit-context.js';
import { ConfigurationError, NotJsonSerializableError } from '../errors.js';
import { toJsonSafe } from '../events/json-safe.js';
import type { AuditUser, JsonObject, JsonValue } from '../events/types.js';
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
  /** The framework's client address (honours its own trust-proxy setting; read lazily: readers may define it as a getter). */
  readonly ip: string | null | undefined;
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
  const userAgent = snapshot.headers['user-agent'];
  // Only what the response needs now (the request id header) or what may change later is read
  // eagerly; the rest comes from the source when an event is created.
  const init: AuditContextInit = {
    requestId: resolveRequestId(snapshot.headers[options.requestIdHeader], options.generateRequestId),
    method: snapshot.method,
    userAgent: typeof userAgent === 'string' ? userAgent.slice(0, MAX_USER_AGENT) : null,
    extraData: resolveExtraData(options, req),
    source: new RequestSource(snapshot, options, req),
    masker: options.masker, // content, extraData and permission metadata: the same rules as the body
  };
  if (options.store) init.store = options.store;
  if (options.describer) init.describer = options.describer;
  return new AuditContext(init);
}

/** A request's lazily read data, masked and bounded as the options say. */
class RequestSource<Req> implements AuditContextSource {
  readonly #snapshot: RequestSnapshot;
  readonly #options: ResolvedOptions<Req>;
  readonly #req: Req;
  // The last raw query/body and what it became: recomputed only when a parser replaced it.
  #rawQuery: unknown;
  #query: JsonObject | null | undefined;
  #rawBody: unknown;
  #body: JsonValue | null | undefined;

  constructor(snapshot: RequestSnapshot, options: ResolvedOptions<Req>, req: Req) {
    this.#snapshot = snapshot;
    this.#options = options;
    this.#req = req;
  }

  url(): string {
    const masker = this.#options.masker;
    return maskUrl(this.#snapshot.url, (key) => masker.isSensitive(key));
  }

  path(): string {
    return this.#snapshot.path;
  }

  ip(): string | null {
    const ip = normalizeIp(this.#snapshot.ip);
    const resolver = this.#options.clientIpResolver;
    if (!resolver) return ip;
    try {
      // A resolver returning something that is not an address (a raw header) keeps the socket's.
      return normalizeIp(resolver(this.#req)) ?? ip;
    } catch {
      // A broken resolver must not fail the event; the framework's address is the safe fallback.
      return ip;
    }
  }

  user(): AuditUser | null {
    const options = this.#options;
    return normalizeUser(options.getUser ? options.getUser(this.#req) : this.#snapshot.user());
  }

  headers(): Record<string, string> | null {
    const { includeHeaders, masker } = this.#options;
    return includeHeaders.length > 0 ? pickHeaders(this.#snapshot.headers, includeHeaders, masker) : null;
  }

  queryParams(): JsonObject | null {
    if (!this.#options.includeQueryParams) return null;
    const raw = this.#snapshot.query();
    if (this.#query === undefined || raw !== this.#rawQuery) {
      this.#query = capture(raw, 'queryParams', this.#options.masker, this.#options.maxBodyBytes) as JsonObject | null;
      this.#rawQuery = raw;
    }
    return this.#query;
  }

  postData(): JsonValue | null {
    if (!this.#options.includePostData) return null;
    const raw = this.#snapshot.body();
    if (this.#body === undefined || raw !== this.#rawBody) {
      this.#body = capture(raw, 'postData', this.#options.masker, this.#options.maxBodyBytes);
      this.#rawBody = raw;
    }
    return this.#body;
  }
}

/** The static extraData, or the function's result for this request (which must be an object). */
function resolveExtraData<Req>(options: ResolvedOptions<Req>, req: Req): Record<string, unknown> | undefined {
  const { extraData } = options;
  if (typeof extraData !== 'function') return extraData;
  const value: unknown = extraData(req);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigurationError('extraData', 'the function must return an object');
  }
  return value as Record<string, unknown>;
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
