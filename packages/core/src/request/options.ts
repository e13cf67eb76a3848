import { ConfigurationError, rejectUnknownOptions } from '../errors.js';
import { booleanOption } from '../option-checks.js';
import type { AuditActor } from '../events/audit-model.js';
import type { ContentDescriber } from '../events/describe.js';
import { toJsonSafe } from '../events/json-safe.js';
import { requestMasker } from '../masking/config.js';
import type { FieldMasker } from '../masking/mask.js';
import { DEFAULT_MAX_BODY_BYTES } from '../masking/truncate.js';
import type { EventStore } from '../store/event-store.js';

/**
 * Options of the Express and Koa middlewares, named after django-audit-events' settings.
 * `Req` is the framework's request (Express `req`, Koa `ctx`).
 */
export interface AuditContextOptions<Req = unknown> {
  /** Capture query parameters (masked like POST data). Default false. */
  includeQueryParams?: boolean;
  /** Capture the parsed request body (masked, truncated). Default false. */
  includePostData?: boolean;
  /**
   * Field names masked in POST data and query params at any depth, case-insensitively, and in
   * this request's event content, extraData and permission metadata. They are added to the
   * process-wide fields (configureMasking(), by default DEFAULT_MASKED_FIELDS); set
   * `replaceDefaultMaskedFields` to use only yours.
   */
  maskPostFields?: readonly string[];
  replaceDefaultMaskedFields?: boolean;
  /** Header names to capture. Credentials headers are stored masked even when listed. Default none. */
  includeHeaders?: readonly string[];
  /** Client IP from the request; default: the framework's IP (socket, or X-Forwarded-For under trust proxy). */
  clientIpResolver?: (req: Req) => string | null | undefined;
  /** The logged-in user; default `req.user` (Express) or `ctx.state.user` (Koa). Read lazily. */
  getUser?: (req: Req) => unknown;
  /**
   * The request's tenant (`(req) => req.user?.orgId`; Koa: `(ctx) => …`), read lazily when an event
   * is created. Must return a string (≤ 255 characters), null or undefined.
   */
  getTenant?: (req: Req) => string | null | undefined;
  /**
   * Who acts, when it is not (only) a logged-in person: `{ type: 'api_key', id, repr }`. Read
   * lazily; wins over getUser for the events' userId/userRepr/actorType. null/undefined: the user decides.
   */
  getActor?: (req: Req) => AuditActor | null | undefined;
  /** Where this request's events go; default the store given to configureEventStore(). */
  store?: EventStore;
  /** Merged into every event's content; a function is called once per request. */
  extraData?: Record<string, unknown> | ((req: Req) => Record<string, unknown>);
  /** Header carrying an incoming request id. Default `x-request-id`. */
  requestIdHeader?: string;
  /** Echo the request id in the response under requestIdHeader. Default true. */
  setRequestIdHeader?: boolean;
  /**
   * Generates request ids when none (or a malformed one) comes in. Default a time-ordered UUID version
   * 7 (newRequestId).
   */
  generateRequestId?: () => string;
  /** Captured POST data or query params larger than this (JSON bytes) are truncated. Default 64 KiB. */
  maxBodyBytes?: number;
  /** How content objects are turned into (type, id). */
  describer?: ContentDescriber;
}

/** Options checked once, when the middleware is created; a typo fails at start-up, not per request. */
export interface ResolvedOptions<Req> {
  includeQueryParams: boolean;
  includePostData: boolean;
  includeHeaders: readonly string[];
  masker: FieldMasker;
  clientIpResolver: ((req: Req) => string | null | undefined) | undefined;
  getUser: ((req: Req) => unknown) | undefined;
  getTenant: ((req: Req) => unknown) | undefined;
  getActor: ((req: Req) => unknown) | undefined;
  store: EventStore | undefined;
  extraData: Record<string, unknown> | ((req: Req) => Record<string, unknown>) | undefined;
  requestIdHeader: string;
  setRequestIdHeader: boolean;
  generateRequestId: (() => string) | undefined;
  maxBodyBytes: number;
  describer: ContentDescriber | undefined;
}

const KNOWN = new Set([
  'includeQueryParams',
  'includePostData',
  'maskPostFields',
  'replaceDefaultMaskedFields',
  'includeHeaders',
  'clientIpResolver',
  'getUser',
  'getTenant',
  'getActor',
  'store',
  'extraData',
  'requestIdHeader',
  'setRequestIdHeader',
  'generateRequestId',
  'maxBodyBytes',
  'describer',
]);

function fn<T>(options: Record<string, unknown>, key: string): T | undefined {
  const value = options[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new ConfigurationError(key, 'must be a function');
  return value as T;
}

function bool(options: Record<string, unknown>, key: string, fallback: boolean): boolean {
  return booleanOption(options[key], key, fallback);
}

function names(options: Record<string, unknown>, key: string): string[] {
  const value = options[key];
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v.length === 0)) {
    throw new ConfigurationError(key, 'must be an array of non-empty strings');
  }
  return value as string[];
}

export function resolveOptions<Req>(input: AuditContextOptions<Req> = {}): ResolvedOptions<Req> {
  if (input === null || typeof input !== 'object') {
    throw new ConfigurationError('options', 'must be an object');
  }
  const options = input as Record<string, unknown>;
  rejectUnknownOptions(options, KNOWN);
  const store = options['store'] as EventStore | undefined;
  if (store !== undefined && (store === null || typeof store.save !== 'function')) {
    throw new ConfigurationError('store', 'must be an EventStore');
  }
  const extraData = options['extraData'];
  if (
    extraData !== undefined &&
    typeof extraData !== 'function' &&
    (extraData === null || typeof extraData !== 'object' || Array.isArray(extraData))
  ) {
    throw new ConfigurationError('extraData', 'must be an object or a function');
  }
  if (extraData !== undefined && typeof extraData === 'object') {
    try {
      toJsonSafe(extraData, 'extraData'); // fail at start-up, not on the first event
    } catch (err) {
      throw new ConfigurationError('extraData', err instanceof Error ? err.message : 'not JSON', { cause: err });
    }
  }
  const maxBodyBytes = options['maxBodyBytes'] ?? DEFAULT_MAX_BODY_BYTES;
  if (typeof maxBodyBytes !== 'number' || !Number.isInteger(maxBodyBytes) || maxBodyBytes < 64) {
    throw new ConfigurationError('maxBodyBytes', 'must be an integer of at least 64');
  }
  const header = options['requestIdHeader'] ?? 'x-request-id';
  if (typeof header !== 'string' || !/^[A-Za-z0-9-]{1,64}$/.test(header)) {
    throw new ConfigurationError('requestIdHeader', 'must be a header name');
  }
  const mask = names(options, 'maskPostFields');
  const replace = bool(options, 'replaceDefaultMaskedFields', false);
  return new CheckedOptions<Req>(
    {
      includeQueryParams: bool(options, 'includeQueryParams', false),
      includePostData: bool(options, 'includePostData', false),
      includeHeaders: names(options, 'includeHeaders').map((h) => h.toLowerCase()),
      clientIpResolver: fn(options, 'clientIpResolver'),
      getUser: fn(options, 'getUser'),
      getTenant: fn(options, 'getTenant'),
      getActor: fn(options, 'getActor'),
      store,
      extraData: extraData as ResolvedOptions<Req>['extraData'],
      requestIdHeader: header.toLowerCase(),
      setRequestIdHeader: bool(options, 'setRequestIdHeader', true),
      generateRequestId: fn(options, 'generateRequestId'),
      maxBodyBytes,
      describer: fn(options, 'describer'),
    },
    // Read per request: configureMasking() (the process-wide fields, extended by these) may come later.
    requestMasker(mask, replace),
  );
}

/**
 * The checked options, read on every request. A class, not an object literal with a `masker`
 * getter: V8 keeps such a literal in dictionary mode, which made each of the request path's reads
 * of it a generic property lookup (six per request, ~1k instructions on Node 24; see
 * docs/performance.md). An instance has one fixed shape, and its getter is inlined.
 */
class CheckedOptions<Req> implements ResolvedOptions<Req> {
  readonly includeQueryParams: boolean;
  readonly includePostData: boolean;
  readonly includeHeaders: readonly string[];
  readonly clientIpResolver: ResolvedOptions<Req>['clientIpResolver'];
  readonly getUser: ResolvedOptions<Req>['getUser'];
  readonly getTenant: ResolvedOptions<Req>['getTenant'];
  readonly getActor: ResolvedOptions<Req>['getActor'];
  readonly store: EventStore | undefined;
  readonly extraData: ResolvedOptions<Req>['extraData'];
  readonly requestIdHeader: string;
  readonly setRequestIdHeader: boolean;
  readonly generateRequestId: (() => string) | undefined;
  readonly maxBodyBytes: number;
  readonly describer: ContentDescriber | undefined;
  readonly #masker: () => FieldMasker;

  constructor(values: Omit<ResolvedOptions<Req>, 'masker'>, masker: () => FieldMasker) {
    this.includeQueryParams = values.includeQueryParams;
    this.includePostData = values.includePostData;
    this.includeHeaders = values.includeHeaders;
    this.clientIpResolver = values.clientIpResolver;
    this.getUser = values.getUser;
    this.getTenant = values.getTenant;
    this.getActor = values.getActor;
    this.store = values.store;
    this.extraData = values.extraData;
    this.requestIdHeader = values.requestIdHeader;
    this.setRequestIdHeader = values.setRequestIdHeader;
    this.generateRequestId = values.generateRequestId;
    this.maxBodyBytes = values.maxBodyBytes;
    this.describer = values.describer;
    this.#masker = masker;
  }

  get masker(): FieldMasker {
    return this.#masker();
  }
}
