import { InvalidEventError, NoContentObjectError } from '../errors.js';
import { getMasker } from '../masking/config.js';
import type { FieldMasker } from '../masking/mask.js';
import {
  checkAction,
  checkActorType,
  checkOutcome,
  checkReason,
  checkTenantId,
  defaultActorType,
  type ActorType,
  type Outcome,
} from './audit-model.js';
import { describeContentObject, type ContentDescriber } from './describe.js';
import { maskFreeText } from '../masking/free-text.js';
import { newEventId } from './ids.js';
import { toJsonSafe } from './json-safe.js';
import { isPlainJson } from './plain-json.js';
import type { AuditEvent, JsonObject, JsonValue } from './types.js';
import type { EventStore } from '../store/event-store.js';

/** Per-event options of newEvent(), createEvent() and createFieldsEvent(). */
export interface EventOptions {
  /**
   * Mask sensitive keys of the content (extraData included), as request data is masked. Default
   * true; `false` stores this one event's content as given, for apps that must keep raw values.
   */
  maskContent?: boolean;
  /** What happened, such as `order.created` (at most MAX_ACTION_LENGTH characters). */
  action?: string | null;
  /** `success` (the default), `failure` or `denied`. */
  outcome?: Outcome;
  /** Why; masked like content (secret values, sensitive `name=value` pairs). */
  reason?: string | null;
  /** This event's tenant; default the context's. */
  tenantId?: string | null;
}

const OPTION_KEYS = new Set(['maskContent', 'action', 'outcome', 'reason', 'tenantId']);

/** The options read and checked; `tenantId` undefined means "the context's". */
export interface CheckedEventOptions {
  maskContent: boolean;
  action: string | null;
  outcome: Outcome;
  reason: string | null;
  tenantId: string | null | undefined;
}

/**
 * Reads the event options; anything malformed is an InvalidEventError naming the option, so that a
 * typo (`maskcontent`, `outcom`) or a value outside its set fails loudly, before any write, instead
 * of leaving a default the caller did not mean.
 */
export function checkEventOptions(options: unknown): CheckedEventOptions {
  const checked: CheckedEventOptions = {
    maskContent: true,
    action: null,
    outcome: 'success',
    reason: null,
    tenantId: undefined,
  };
  if (options === undefined) return checked;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidEventError(
      'event options must be an object such as { action, outcome, reason, tenantId, maskContent }',
    );
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) {
      throw new InvalidEventError(
        `unknown option ${key.slice(0, 64)} (the event options are { ${[...OPTION_KEYS].join(', ')} })`,
      );
    }
  }
  const o = options as Record<string, unknown>;
  const maskContent = o['maskContent'];
  if (maskContent !== undefined && typeof maskContent !== 'boolean')
    throw new InvalidEventError('maskContent must be a boolean');
  checked.maskContent = maskContent !== false;
  checked.action = checkAction(o['action']);
  checked.outcome = checkOutcome(o['outcome']);
  checked.reason = checkReason(o['reason']);
  if (o['tenantId'] !== undefined) checked.tenantId = checkTenantId(o['tenantId']);
  return checked;
}

/**
 * An unsaved event (django-audit-events' `new_event()`): every field may be set before `save()`.
 * Validation (content object present, JSON-safe content) happens in `toEvent()`, before any write.
 */
export class EventDraft {
  contentType: string | null = null;
  objectId: string | null = null;
  content: Record<string, unknown> = {};
  userId: string | null = null;
  userRepr: string | null = null;
  tenantId: string | null = null;
  /** Default: `user` when userId is set, else `anonymous` (worked out when the event is built). */
  actorType: ActorType | null = null;
  action: string | null = null;
  outcome: Outcome = 'success';
  /** Masked when the event is built (secret values, sensitive `name=value` pairs), even when maskContent is false. */
  reason: string | null = null;
  url: string | null = null;
  method: string | null = null;
  ip: string | null = null;
  requestId: string | null = null;
  userAgent: string | null = null;
  queryParams: JsonObject | null = null;
  postData: JsonValue | null = null;
  headers: Record<string, string> | null = null;
  /** Defaults to the time of `save()`. */
  createdAt: Date | null = null;
  /** Values for a store's extra columns. */
  extra: Record<string, unknown> | undefined = undefined;
  /**
   * Sensitive keys of `content` are masked when the event is built (only `false` turns it off).
   * Query params, POST data and headers were already masked when they were captured.
   */
  maskContent = true;

  readonly #resolveStore: () => EventStore;
  readonly #describer: ContentDescriber | undefined;
  readonly #masker: FieldMasker | undefined;
  #saved: Promise<AuditEvent> | null = null;

  /** `masker`: the context's (a request's maskPostFields); default the process-wide one, read at build time. */
  constructor(resolveStore: () => EventStore, describer?: ContentDescriber, masker?: FieldMasker) {
    this.#resolveStore = resolveStore;
    this.#describer = describer;
    this.#masker = masker;
  }

  /** Ties the event to its content object: a model instance or an explicit `{ type, id }`. */
  setContentObject(contentObject: unknown): this {
    const { contentType, objectId } = describeContentObject(contentObject, this.#describer);
    this.contentType = contentType;
    this.objectId = objectId;
    return this;
  }

  set contentObject(contentObject: unknown) {
    this.setContentObject(contentObject);
  }

  /**
   * The stored form of this draft, validated, content masked; throws a typed error instead of
   * writing bad data.
   */
  toEvent(now: Date = new Date()): AuditEvent {
    if (this.contentType === null || this.objectId === null) {
      throw new NoContentObjectError('The event has no content object: call setContentObject() before save()');
    }
    const content = this.#storedContent();
    if (content === null || typeof content !== 'object' || Array.isArray(content)) {
      throw new InvalidEventError('content must be an object');
    }
    const tenantId = checkTenantId(this.tenantId);
    const actorType = this.actorType === null ? defaultActorType(this.userId) : checkActorType(this.actorType);
    const action = checkAction(this.action);
    const outcome = checkOutcome(this.outcome);
    const reason = checkReason(this.reason);
    const createdAt = this.createdAt ?? now;
    if (!(createdAt instanceof Date) || Number.isNaN(createdAt.getTime())) {
      throw new InvalidEventError('createdAt must be a valid Date');
    }
    const event: AuditEvent = {
      id: newEventId(createdAt.getTime()),
      createdAt,
      contentType: this.contentType,
      objectId: this.objectId,
      content,
      userId: this.userId,
      userRepr: this.userRepr,
      tenantId,
      actorType,
      action,
      outcome,
      // Always masked: maskContent: false keeps raw content on purpose, a reason is free text.
      reason: reason === null ? null : maskFreeText(reason, this.#masker ?? getMasker()),
      url: this.url,
      method: this.method,
      ip: this.ip,
      requestId: this.requestId,
      userAgent: this.userAgent,
      queryParams: this.queryParams === null ? null : (toJsonSafe(this.queryParams, 'queryParams') as JsonObject),
      postData: this.postData === null ? null : toJsonSafe(this.postData, 'postData'),
      headers: this.headers === null ? null : (toJsonSafe(this.headers, 'headers') as Record<string, string>),
    };
    if (this.extra !== undefined) event.extra = { ...this.extra };
    return event;
  }

  /**
   * The content as JSON, masked unless maskContent is false. The masker reads JSON and returns a
   * copy (FieldMasker.mask's contract: the event must not share objects with the caller's
   * content), so content that is JSON already (the common case) skips toJsonSafe's copy.
   */
  #storedContent(): JsonValue {
    if (this.maskContent === false) return toJsonSafe(this.content, 'content');
    const masker = this.#masker ?? getMasker();
    const content = this.content;
    return masker.mask(isPlainJson(content) ? content : toJsonSafe(content, 'content'));
  }

  /** Persists the draft once; calling it again returns the same stored event. */
  save(): Promise<AuditEvent> {
    if (this.#saved === null) {
      // Not an async function: on the request path every promise counts (AsyncLocalStorage hooks
      // each one on Node.js 20 and 22); a throw still becomes a rejection.
      try {
        const event = this.toEvent();
        // Promise.resolve: a custom store that returns no promise still works (as with await).
        this.#saved = Promise.resolve(this.#resolveStore().save([event])).then(() => event);
      } catch (err) {
        this.#saved = Promise.reject(err);
      }
    }
    return this.#saved;
  }
}
