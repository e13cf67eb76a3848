// Over 300 lines on purpose: AuditContext is the one object apps hold, so its whole surface (lazy
// request fields, tenant and actor, event creation, serialisation) is here; the work behind each
// part lives in events/ (draft, change-patch), serialized.ts and request/.
import { InvalidEventError, NoEventStoreError } from '../errors.js';
import {
  addChanges,
  changeEventOptions,
  checkChangeContent,
  defaultChangeAction,
  type ChangeEventOptions,
} from '../events/change-event.js';
import type { ContentDescriber } from '../events/describe.js';
import { checkActor, checkTenantId, type ActorType, type AuditActor } from '../events/audit-model.js';
import { EventDraft, checkEventOptions, type EventOptions } from '../events/draft.js';
import { assignOwn, setKey, toJsonSafe } from '../events/json-safe.js';
import type { AuditEvent, AuditUser, JsonObject, JsonValue } from '../events/types.js';
import { normalizeUser } from '../events/user.js';
import { getMasker } from '../masking/config.js';
import type { FieldMasker } from '../masking/mask.js';
import { registry } from '../registry.js';
import { CLIENT_REQUEST_ID_KEY } from '../request/request-id.js';
import type { EventStore } from '../store/event-store.js';
import { parseSerializedContext, type SerializedAuditContext } from './serialized.js';
import { activeTraceIds } from './trace.js';

/** Content keys of the OpenTelemetry ids in request events (and metadata keys in permission events). */
export const TRACE_ID_KEY = 'trace_id';
export const SPAN_ID_KEY = 'span_id';

/**
 * Brand shared by every copy of this package (Symbol.for is process-wide): with two copies in
 * node_modules, `instanceof` must still recognise the other copy's contexts, or a context set by
 * one copy's middleware would look like "no context" to the other's getAuditContext().
 */
const BRAND: unique symbol = Symbol.for('@audit-events/core.AuditContext');

type Lazy<T> = T | (() => T);

/**
 * Where a request's context reads what it only needs once an event is created: a middleware
 * hands one object instead of a closure per field, so a request that creates no event pays for
 * one allocation. url, path, ip and headers are read once; user, queryParams and postData on every
 * use (auth and body parsers may run after the audit middleware).
 */
export interface AuditContextSource {
  /**
   * The request id, when the middleware left it to be made on first read (most requests are
   * neither echoed nor audited, and a UUIDv7 is a third of what the middleware costs them).
   */
  requestId?(): string | null;
  url(): string | null;
  path(): string | null;
  ip(): string | null;
  user(): AuditUser | null;
  headers(): Record<string, string> | null;
  queryParams(): JsonObject | null;
  postData(): JsonValue | null;
  /** The tenant (middleware option getTenant); read on every use, like the user. */
  tenantId?(): string | null;
  /** The actor (middleware option getActor); null when none was given (then the user decides). */
  actor?(): AuditActor | null;
}

/** What a context is made of; the middlewares fill it from the request. */
export interface AuditContextInit {
  /** The request's id (a function is called once, on first use). */
  requestId?: Lazy<string | null>;
  /**
   * The request id the client sent when it was not used as requestId (no trusted proxy, or
   * malformed); stored as content `client_request_id`, never as the request_id.
   */
  clientRequestId?: string | null;
  method?: string | null;
  /** Absolute URL of the request (a function is called once, on first use). */
  url?: Lazy<string | null>;
  path?: Lazy<string | null>;
  ip?: Lazy<string | null>;
  userAgent?: string | null;
  /** Read when an event is created, so an auth middleware after the audit one still counts. */
  user?: Lazy<AuditUser | null>;
  /** The tenant of every event of this context (an event's own tenantId option wins). */
  tenantId?: Lazy<string | null>;
  /**
   * Who acts, when it is not (only) a user: `{ type: 'service', id, repr }`. Wins over `user` for
   * the events' userId/userRepr/actorType. Without one, the actor is the user (`user`) or `anonymous`.
   */
  actor?: Lazy<AuditActor | null>;
  queryParams?: Lazy<JsonObject | null>;
  /** Read when an event is created, so a body parser after the audit middleware still counts. */
  postData?: Lazy<JsonValue | null>;
  headers?: Lazy<Record<string, string> | null>;
  /**
   * Merged into every event's content. Deep-copied as JSON (Dates become ISO strings), so each
   * context owns its own and nested values are never shared between requests.
   */
  extraData?: Record<string, unknown>;
  /** Store for this context's events; falls back to configureEventStore()'s. */
  store?: EventStore | null;
  describer?: ContentDescriber;
  /**
   * OpenTelemetry ids to correlate events with. Left undefined, they are taken from the span
   * active when the context is built (the request's span, when the middleware builds it); null
   * means none. Needs `@opentelemetry/api` (an optional peer dependency) to capture anything.
   */
  traceId?: string | null;
  spanId?: string | null;
  /** Request data read lazily; a field given above wins over the source's. */
  source?: AuditContextSource;
  /**
   * Masks this context's event content and extraData, and the permission metadata of decisions
   * made inside it: the middleware gives its own (maskPostFields). Default: the process-wide
   * masker (configureMasking()), read when each event is built.
   */
  masker?: FieldMasker;
}

export type { SerializedAuditContext } from './serialized.js';

type OnceField = 'requestId' | 'url' | 'path' | 'ip' | 'headers';
type SourceValue<K extends OnceField> = ReturnType<NonNullable<AuditContextSource[K]>>;

/**
 * The value of a field read once: given, computed by its function, or read from the source (null
 * without one). Callers store the result back, so the work is done on first use only.
 */
function settle<K extends OnceField>(
  value: Lazy<SourceValue<K>> | undefined,
  source: AuditContextSource | undefined,
  field: K,
): SourceValue<K> {
  type T = SourceValue<K>;
  if (value === undefined) return (source?.[field]?.() ?? null) as T;
  // A function that returns undefined still settles on null, never on "not read yet".
  return ((typeof value === 'function' ? (value as () => T)() : value) ?? null) as T;
}

function resolve<T>(value: Lazy<T> | undefined, fallback: T): T {
  if (value === undefined) return fallback;
  return typeof value === 'function' ? (value as () => T)() : value;
}

/**
 * Everything known about the request an event comes from, and the methods that create events
 * from it (django-audit-events' AuditContext). One per request; a blank one outside requests.
 */
export class AuditContext {
  /** The client's own request id when it was not adopted (see AuditContextInit.clientRequestId). */
  readonly clientRequestId: string | null;
  readonly method: string | null;
  readonly userAgent: string | null;
  /** This context's own extra data, merged into every event's content (event content wins). */
  readonly extraData: Record<string, unknown>;
  readonly store: EventStore | null;
  /** Trace id of the OpenTelemetry span active when the context was built, or null. */
  readonly traceId: string | null;
  /** Span id of that span, or null. */
  readonly spanId: string | null;

  // The id, URL, path and headers are worked out on first use: most requests create no event, and
  // the middleware's per-request cost is what every request of the app pays.
  #requestId: Lazy<string | null> | undefined;
  #url: Lazy<string | null> | undefined;
  #path: Lazy<string | null> | undefined;
  #ip: Lazy<string | null> | undefined;
  #headers: Lazy<Record<string, string> | null> | undefined;
  readonly #user: Lazy<AuditUser | null> | undefined;
  readonly #tenantId: Lazy<string | null> | undefined;
  readonly #actor: Lazy<AuditActor | null> | undefined;
  readonly #queryParams: Lazy<JsonObject | null> | undefined;
  readonly #postData: Lazy<JsonValue | null> | undefined;
  readonly #describer: ContentDescriber | undefined;
  readonly #source: AuditContextSource | undefined;
  readonly #masker: FieldMasker | undefined;

  constructor(init: AuditContextInit = {}) {
    this.#requestId = init.requestId;
    this.clientRequestId = init.clientRequestId ?? null;
    this.method = init.method ?? null;
    this.#url = init.url;
    this.#path = init.path;
    this.#ip = init.ip;
    this.userAgent = init.userAgent ?? null;
    this.#headers = init.headers;
    this.extraData = copyExtraData(init.extraData);
    this.store = init.store ?? null;
    if (init.traceId !== undefined || init.spanId !== undefined) {
      this.traceId = init.traceId ?? null;
      this.spanId = init.spanId ?? null;
    } else {
      const ids = activeTraceIds();
      this.traceId = ids?.traceId ?? null;
      this.spanId = ids?.spanId ?? null;
    }
    this.#user = init.user;
    // A plain value is checked now (a bad one fails where the context is made); a function when read.
    this.#tenantId =
      typeof init.tenantId === 'function' || init.tenantId === undefined ? init.tenantId : checkTenantId(init.tenantId);
    this.#actor = typeof init.actor === 'function' || init.actor === undefined ? init.actor : checkActor(init.actor);
    this.#queryParams = init.queryParams;
    this.#postData = init.postData;
    this.#describer = init.describer;
    this.#source = init.source;
    this.#masker = checkMasker(init.masker);
  }

  /** A context with no request data: what code outside a request gets. */
  static blank(
    init: Pick<AuditContextInit, 'store' | 'extraData' | 'describer' | 'user' | 'masker' | 'tenantId' | 'actor'> = {},
  ): AuditContext {
    return new AuditContext(init);
  }

  /**
   * Restores a context carried by toJSON(), e.g. in a queue worker. Its events are masked with the
   * process-wide masker unless `masker` is given: the request's maskPostFields do not travel.
   */
  static fromJSON(
    json: SerializedAuditContext | string,
    options: Pick<AuditContextInit, 'store' | 'describer' | 'masker'> = {},
  ): AuditContext {
    const init: AuditContextInit = parseSerializedContext(json);
    if (options.store !== undefined) init.store = options.store;
    if (options.describer !== undefined) init.describer = options.describer;
    if (options.masker !== undefined) init.masker = options.masker;
    return new AuditContext(init);
  }

  /**
   * `instanceof AuditContext` recognises contexts made by another copy of this package too (see
   * BRAND); subclasses keep the ordinary prototype check.
   */
  static [Symbol.hasInstance](value: unknown): boolean {
    if (this !== AuditContext) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
  }

  /**
   * The request's id: the one adopted from a trusted proxy, or a UUIDv7 made on first read (the
   * echo header reads it at once). Its millisecond is the request's arrival, or the last id's if
   * that is later, so that ids made in one process stay in order.
   */
  get requestId(): string | null {
    return (this.#requestId = settle(this.#requestId, this.#source, 'requestId'));
  }

  /** Absolute URL of the request, sensitive query values masked. */
  get url(): string | null {
    return (this.#url = settle(this.#url, this.#source, 'url'));
  }

  /** The request path, without query string. */
  get path(): string | null {
    return (this.#path = settle(this.#path, this.#source, 'path'));
  }

  /** The client address (the framework's, or the configured resolver's), worked out on first use. */
  get ip(): string | null {
    return (this.#ip = settle(this.#ip, this.#source, 'ip'));
  }

  /** The headers listed in includeHeaders, credentials masked; null when none were asked for. */
  get headers(): Record<string, string> | null {
    return (this.#headers = settle(this.#headers, this.#source, 'headers'));
  }

  /** The user, normalised (a raw `{ id, username }` given to the constructor becomes `{ id, repr }`). */
  get user(): AuditUser | null {
    if (this.#user === undefined && this.#source !== undefined) return this.#source.user();
    return normalizeUser(resolve(this.#user, null));
  }

  /**
   * The tenant of this context's events, read on every use (a tenant-resolving middleware may run
   * after the audit one). A value that is not a string or null is an InvalidEventError naming
   * `tenantId`: the event that needed it fails, the request does not.
   */
  get tenantId(): string | null {
    if (this.#tenantId === undefined && this.#source?.tenantId !== undefined) return this.#source.tenantId();
    return checkTenantId(resolve(this.#tenantId, null));
  }

  /**
   * Who acts: the actor given (init `actor`, middleware `getActor`), else the user as a `user`
   * actor, else `anonymous`. Read on every use, like the user.
   */
  actor(): AuditActor {
    const given = this.#givenActor();
    if (given !== null) return given;
    const user = this.user;
    return user === null ? { type: 'anonymous', id: null, repr: null } : { type: 'user', id: user.id, repr: user.repr };
  }

  /** The actor's type (`user`, `service`, `api_key`, `system`, `agent` or `anonymous`). */
  get actorType(): ActorType {
    return this.actor().type;
  }

  #givenActor(): AuditActor | null {
    if (this.#actor === undefined && this.#source?.actor !== undefined) return this.#source.actor();
    return checkActor(resolve(this.#actor, null));
  }

  get queryParams(): JsonObject | null {
    if (this.#queryParams === undefined && this.#source !== undefined) return this.#source.queryParams();
    return resolve(this.#queryParams, null);
  }

  get postData(): JsonValue | null {
    if (this.#postData === undefined && this.#source !== undefined) return this.#source.postData();
    return resolve(this.#postData, null);
  }

  /** What masks this context's event content, extraData and permission metadata. */
  get masker(): FieldMasker {
    return this.#masker ?? getMasker();
  }

  /** True when the context carries no request (jobs, scripts, tests). */
  get isBlank(): boolean {
    // The id last: reading it may make it, and a request's method already answers.
    return this.method === null && this.url === null && this.requestId === null;
  }

  /**
   * An unsaved event pre-filled from this context; set its content object, then `await save()`.
   * Its content is masked when it is built unless `{ maskContent: false }`.
   */
  newEvent(options?: EventOptions): EventDraft {
    const checked = checkEventOptions(options);
    const draft = new EventDraft(() => this.#store(), this.#describer, this.#masker);
    if (!checked.maskContent) draft.maskContent = false;
    const actor = this.actor();
    draft.userId = actor.id;
    draft.userRepr = actor.repr;
    draft.actorType = actor.type;
    draft.tenantId = checked.tenantId === undefined ? this.tenantId : checked.tenantId;
    draft.action = checked.action;
    draft.outcome = checked.outcome;
    draft.reason = checked.reason;
    draft.url = this.url;
    draft.method = this.method;
    draft.ip = this.ip;
    draft.requestId = this.requestId;
    draft.userAgent = this.userAgent;
    draft.queryParams = this.queryParams;
    draft.postData = this.postData;
    draft.headers = this.headers === null ? null : { ...this.headers };
    // A fresh deep copy per event: editing one draft's content never changes the context's extraData.
    draft.content = copyExtraData(this.extraData);
    // The client's id next to ours, as trace ids are; extraData and the event's own content win.
    if (this.clientRequestId !== null && !Object.prototype.hasOwnProperty.call(draft.content, CLIENT_REQUEST_ID_KEY)) {
      draft.content[CLIENT_REQUEST_ID_KEY] = this.clientRequestId;
    }
    // Trace correlation only when there is a trace; extraData and the event's own content win.
    if (this.traceId !== null && !Object.prototype.hasOwnProperty.call(draft.content, TRACE_ID_KEY)) {
      draft.content[TRACE_ID_KEY] = this.traceId;
      if (this.spanId !== null && !Object.prototype.hasOwnProperty.call(draft.content, SPAN_ID_KEY))
        draft.content[SPAN_ID_KEY] = this.spanId;
    }
    return draft;
  }

  /**
   * Creates and stores an event about `contentObject`; resolves once it is durable. Sensitive
   * keys of the content (extraData included) are stored masked unless `{ maskContent: false }`.
   * `options` also names the `action`, `outcome`, `reason` and (to override the context's) `tenantId`.
   */
  createEvent(contentObject: unknown, content?: Record<string, unknown>, options?: EventOptions): Promise<AuditEvent> {
    try {
      const draft = this.newEvent(options).setContentObject(contentObject);
      if (content !== undefined) assignOwn(draft.content, checkContent(content));
      return draft.save();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Like createEvent, with the current values of `fields` of the content object copied into the
   * content first; explicit content wins over a copied field. Masked as createEvent's.
   */
  createFieldsEvent(
    contentObject: unknown,
    fields: readonly string[],
    content?: Record<string, unknown>,
    options?: EventOptions,
  ): Promise<AuditEvent> {
    try {
      const draft = this.newEvent(options).setContentObject(contentObject);
      if (!Array.isArray(fields)) throw new InvalidEventError('createFieldsEvent: fields must be an array of names');
      const source = contentObject as Record<string, unknown>;
      for (const field of fields as unknown[]) {
        if (typeof field !== 'string') throw new InvalidEventError('createFieldsEvent: field names must be strings');
        // A typo in a field name would otherwise store nothing for it, silently.
        if (!(field in source))
          throw new InvalidEventError(`createFieldsEvent: the content object has no field ${JSON.stringify(field)}`);
        setKey(draft.content, field, source[field]);
      }
      if (content !== undefined) assignOwn(draft.content, checkContent(content));
      return draft.save();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Records what changed in `contentObject`: the difference from `before` to `after` (snapshots of
   * its fields) as an RFC 6902 JSON Patch in content `changes`, each replace/remove with the value
   * it overwrote as `old`, sensitive values masked on both sides (docs/change-events.md); action
   * `<contentType>.updated` unless options say otherwise. Resolves to the stored event, or to null
   * when nothing changed (unless `{ always: true }`).
   */
  createChangeEvent(
    contentObject: unknown,
    before: unknown,
    after: unknown,
    content?: Record<string, unknown>,
    options?: ChangeEventOptions,
  ): Promise<AuditEvent | null> {
    try {
      const { always, eventOptions } = changeEventOptions(options);
      const draft = this.newEvent(eventOptions).setContentObject(contentObject);
      const action = defaultChangeAction(draft.contentType, eventOptions);
      if (action !== undefined) draft.action = action;
      if (content !== undefined) assignOwn(draft.content, checkChangeContentOf(content));
      if (!addChanges(draft, before, after, this.masker, always)) return Promise.resolve(null);
      return draft.save();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** The context as a queue payload; extraData masked as event content is (the payload leaves the process). */
  toJSON(): SerializedAuditContext {
    const json: SerializedAuditContext = {
      requestId: this.requestId,
      method: this.method,
      url: this.url,
      path: this.path,
      ip: this.ip,
      userAgent: this.userAgent,
      user: this.user,
      queryParams: this.queryParams,
      postData: this.postData,
      headers: this.headers,
      extraData: this.masker.mask(toJsonSafe(this.extraData, 'extraData')) as JsonObject,
    };
    // Only when there is one: payloads stay as they were for every request without it.
    if (this.clientRequestId !== null) json.clientRequestId = this.clientRequestId;
    const tenantId = this.tenantId;
    if (tenantId !== null) json.tenantId = tenantId;
    const actor = this.#givenActor();
    if (actor !== null) json.actor = actor;
    return json;
  }

  #store(): EventStore {
    const store = this.store ?? (registry().eventStore as EventStore | null);
    if (!store) throw new NoEventStoreError();
    return store;
  }
}

Object.defineProperty(AuditContext.prototype, BRAND, { value: true });

/** A masker is called on every event: a wrong value must fail where the context is made. */
function checkMasker(masker: FieldMasker | undefined): FieldMasker | undefined {
  if (masker === undefined || masker === null) return undefined;
  const m = masker as Partial<FieldMasker>;
  if (typeof m.mask !== 'function' || typeof m.isSensitive !== 'function') {
    throw new TypeError('AuditContext: masker must be a FieldMasker');
  }
  return masker;
}

function checkContent(content: unknown): Record<string, unknown> {
  if (content === null || typeof content !== 'object' || Array.isArray(content)) {
    throw new InvalidEventError('content must be a plain object');
  }
  return content as Record<string, unknown>;
}

function checkChangeContentOf(content: unknown): Record<string, unknown> {
  const checked = checkContent(content);
  checkChangeContent(checked);
  return checked;
}

function copyExtraData(extraData: Record<string, unknown> | undefined): Record<string, unknown> {
  if (extraData === undefined || extraData === null) return {};
  if (typeof extraData !== 'object' || Array.isArray(extraData)) {
    throw new InvalidEventError('extraData must be a plain object');
  }
  for (const _key in extraData) return toJsonSafe(extraData, 'extraData') as Record<string, unknown>;
  return {}; // nothing to copy: the common case on every request
}
