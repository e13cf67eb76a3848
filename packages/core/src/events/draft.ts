import { InvalidEventError, NoContentObjectError } from '../errors.js';
import { describeContentObject, type ContentDescriber } from './describe.js';
import { newEventId } from './ids.js';
import { toJsonSafe } from './json-safe.js';
import type { AuditEvent, JsonObject, JsonValue } from './types.js';
import type { EventStore } from '../store/event-store.js';

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

  readonly #resolveStore: () => EventStore;
  readonly #describer: ContentDescriber | undefined;
  #saved: Promise<AuditEvent> | null = null;

  constructor(resolveStore: () => EventStore, describer?: ContentDescriber) {
    this.#resolveStore = resolveStore;
    this.#describer = describer;
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

  /** The stored form of this draft, validated; throws a typed error instead of writing bad data. */
  toEvent(now: Date = new Date()): AuditEvent {
    if (this.contentType === null || this.objectId === null) {
      throw new NoContentObjectError('The event has no content object: call setContentObject() before save()');
    }
    const content = toJsonSafe(this.content, 'content');
    if (content === null || typeof content !== 'object' || Array.isArray(content)) {
      throw new InvalidEventError('content must be an object');
    }
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
