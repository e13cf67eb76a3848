import { AuditContext, type AuditContextInit, type AuditContextSource } from '../context/audit-context.js';
import { ConfigurationError, NotJsonSerializableError } from '../errors.js';
import { setKey } from '../events/json-safe.js';
import { claimIdSlot, idInSlot, type IdSlot } from '../events/ids.js';
import type { AuditUser, JsonObject, JsonValue } from '../events/types.js';
import { normalizeUser } from '../events/user.js';
import { checkActor, checkTenantId, type AuditActor } from '../events/audit-model.js';
import type { FieldMasker } from '../masking/mask.js';
import { maskedCopy } from '../masking/masked-copy.js';
import { previewLength, truncateJson, type TruncatedMarker } from '../masking/truncate.js';
import { maskUrl } from '../masking/url.js';
import { normalizeIp } from './client-ip.js';
import { pickHeaders } from './headers.js';
import type { ResolvedOptions } from './options.js';
import { resolveRequestIds } from './request-id.js';

/**
 * A framework's request read into one plain shape, so capture logic is written once. The
 * accessors are called lazily: body, query and user may only exist after later middleware ran.
 */
export interface RequestSnapshot {
  method: string;
  /** Absolute URL including the query string (read lazily: readers may define it as a getter). */
  readonly url: string;
  readonly path: string;
  /**
   * The framework's client address (honours its own trust-proxy setting; read lazily: readers may
   * define it as a getter).
   */
  readonly ip: string | null | undefined;
  /**
   * Whether the peer is a proxy the app trusts (Express `trust proxy`, Koa `app.proxy`); only then is
   * an incoming request id adopted.
   */
  readonly fromTrustedProxy?: boolean;
  headers: Record<string, string | string[] | undefined>;
  query: () => unknown;
  body: () => unknown;
  user: () => unknown;
}

const MAX_USER_AGENT = 512;

/** Builds the AuditContext of one request. `req` is handed to the user's resolver functions. */
export function createRequestContext<Req>(
  snapshot: RequestSnapshot,
  options: ResolvedOptions<Req>,
  req: Req,
): AuditContext {
  const userAgent = snapshot.headers['user-agent'];
  // Only what may change later is read eagerly; the rest comes from the source when an event is
  // created or the echo header needs the id.
  const incomingId = snapshot.headers[options.requestIdHeader];
  const source = new RequestSource(snapshot, options, req);
  const init: AuditContextInit = {
    method: snapshot.method,
    userAgent: typeof userAgent === 'string' ? userAgent.slice(0, MAX_USER_AGENT) : null,
    extraData: resolveExtraData(options, req),
    source,
    masker: options.masker, // content, extraData and permission metadata: the same rules as the body
  };
  if (incomingId === undefined && options.generateRequestId === undefined) {
    // The common case: our own UUIDv7, made on first read (most requests are neither echoed nor
    // audited) in the place in the order of ids taken now. A custom generator is app code, so it
    // still runs here, where its throw fails the request.
    claimIdSlot(source);
  } else {
    const ids = resolveRequestIds(incomingId, snapshot, options.generateRequestId);
    init.requestId = ids.requestId;
    init.clientRequestId = ids.clientRequestId;
  }
  if (options.store) init.store = options.store;
  if (options.describer) init.describer = options.describer;
  return new AuditContext(init);
}

/** A request's lazily read data, masked and bounded as the options say. */
class RequestSource<Req> implements AuditContextSource, IdSlot {
  readonly #snapshot: RequestSnapshot;
  readonly #options: ResolvedOptions<Req>;
  readonly #req: Req;
  // The last raw query/body and what it became: recomputed only when a parser replaced it.
  #rawQuery: unknown;
  #query: JsonObject | null | undefined;
  #rawBody: unknown;
  #body: JsonValue | null | undefined;
  // The default id's place in the order of ids, when no id was decided up front.
  idMs = 0;
  idSeq = 0;

  constructor(snapshot: RequestSnapshot, options: ResolvedOptions<Req>, req: Req) {
    this.#snapshot = snapshot;
    this.#options = options;
    this.#req = req;
  }

  /** The default id, from its slot; read (once) only when the context was given no requestId. */
  requestId(): string {
    return idInSlot(this);
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

  /**
   * getTenant's value, on every use (like the user). A throw propagates to the event being created
   * (as getUser's does), and a wrong type is an InvalidEventError naming getTenant: that event
   * fails, the request never does, since nothing is read until an event is created.
   */
  tenantId(): string | null {
    const getTenant = this.#options.getTenant;
    return getTenant === undefined ? null : checkTenantId(getTenant(this.#req), 'getTenant');
  }

  /** getActor's value (null without the option: the user decides); checked as tenantId() is. */
  actor(): AuditActor | null {
    const getActor = this.#options.getActor;
    return getActor === undefined ? null : checkActor(getActor(this.#req), 'getActor');
  }

  headers(): Record<string, string> | null {
    const { includeHeaders, masker } = this.#options;
    return includeHeaders.length > 0 ? pickHeaders(this.#snapshot.headers, includeHeaders, masker) : null;
  }

  queryParams(): JsonObject | null {
    if (!this.#options.includeQueryParams) return null;
    const raw = this.#snapshot.query();
    if (this.#query === undefined || raw !== this.#rawQuery) {
      this.#query = capture(
        raw,
        'queryParams',
        this.#options.masker,
        this.#options.maxBodyBytes,
        null,
      ) as JsonObject | null;
      this.#rawQuery = raw;
    }
    return this.#query;
  }

  postData(): JsonValue | null {
    if (!this.#options.includePostData) return null;
    const raw = this.#snapshot.body();
    if (this.#body === undefined || raw !== this.#rawBody) {
      this.#body = capture(
        raw,
        'postData',
        this.#options.masker,
        this.#options.maxBodyBytes,
        declaredLength(this.#snapshot.headers),
      );
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

/** Raw body or query → masked JSON, walked within the byte budget → bounded. Never throws. */
function capture(
  raw: unknown,
  path: string,
  masker: FieldMasker,
  maxBytes: number,
  declaredBytes: number | null,
): JsonValue | null {
  if (raw === undefined || raw === null) return null;
  if (Buffer.isBuffer(raw)) return { _binary: true, bytes: raw.length };
  if (typeof raw === 'string') return captureText(raw, path, masker, maxBytes, declaredBytes);
  try {
    const copy = maskedCopy(raw, masker, maxBytes);
    if (isEmptyObject(copy.value)) return null;
    // Within budget: the exact size check (escapes can make the JSON longer than counted).
    if (!copy.stopped) return truncateJson(copy.value, maxBytes);
    const marker: TruncatedMarker = {
      _truncated: true,
      // The walk stopped at the limit, so the masked JSON's full size is unknown: the body's
      // declared size stands in for it, or the bytes counted so far.
      originalBytes: Math.max(declaredBytes ?? 0, copy.bytesSeen),
      limitBytes: maxBytes,
      preview: JSON.stringify(copy.value).slice(0, previewLength(maxBytes)),
      estimated: true,
    };
    return marker as unknown as JsonValue;
  } catch (err) {
    const reason = err instanceof NotJsonSerializableError ? err.message : 'unreadable';
    return { _unserializable: true, reason };
  }
}

/**
 * A body read as text (a text/plain parser, or a JSON client with the wrong content type): JSON
 * and form-encoded text are parsed and masked like any body; anything else, and text over the
 * limit, is stored as a length marker, since free text cannot be masked.
 */
function captureText(
  text: string,
  path: string,
  masker: FieldMasker,
  maxBytes: number,
  declaredBytes: number | null,
): JsonValue | null {
  if (text.length === 0) return null;
  const textMarker = { _text: true, bytes: Buffer.byteLength(text, 'utf8') };
  if (text.length > maxBytes) return textMarker;
  const parsed = parseText(text);
  return parsed === undefined ? textMarker : capture(parsed, path, masker, maxBytes, declaredBytes);
}

const BLANK = /\s/;

function parseText(text: string): unknown {
  const trimmed = text.trim();
  const first = trimmed.charCodeAt(0);
  if (first === 123 /* { */ || first === 91 /* [ */) {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      return undefined;
    }
  }
  // `a=1&b=2`: form encoding has no blanks (they are `+` or `%20`).
  if (trimmed.indexOf('=') > 0 && !BLANK.test(trimmed)) {
    const out: Record<string, string | string[]> = {};
    for (const [key, value] of new URLSearchParams(trimmed)) {
      const existing = Object.prototype.hasOwnProperty.call(out, key) ? out[key] : undefined;
      setKey(
        out,
        key,
        existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value],
      );
    }
    return out;
  }
  return undefined;
}

function isEmptyObject(value: JsonValue): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;
}

/** The body's size as the client declared it (Content-Length), if it did. */
function declaredLength(headers: Record<string, string | string[] | undefined>): number | null {
  const value = headers['content-length'];
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value)) return null;
  return Number(value);
}
