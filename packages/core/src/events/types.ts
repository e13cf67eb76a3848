import type { ActorType, Outcome } from './audit-model.js';

/** JSON values as they are stored: what `content`, `postData` and friends may contain. */
export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** The user an event is attributed to. `id` is always stored as a string. */
export interface AuditUser {
  id: string | null;
  repr: string;
}

/** An explicit content-object reference, for when there is no model instance at hand. */
export interface ContentRef {
  type: string;
  id: string | number | bigint;
}

/** A stored audit event. Ids of content objects are strings whatever their type in the app. */
export interface AuditEvent {
  /** Time-sortable unique id (UUID version 7). */
  id: string;
  createdAt: Date;
  contentType: string;
  objectId: string;
  content: JsonObject;
  userId: string | null;
  userRepr: string | null;
  /** The tenant the event belongs to (multi-tenant apps); null when the app has none. */
  tenantId: string | null;
  /** What kind of actor userId/userRepr name; `anonymous` when there is none. */
  actorType: ActorType;
  /** What happened, such as `order.created`; null when the app does not name actions. */
  action: string | null;
  outcome: Outcome;
  /** Why (a failure's or denial's explanation), masked like content. */
  reason: string | null;
  url: string | null;
  method: string | null;
  ip: string | null;
  requestId: string | null;
  userAgent: string | null;
  queryParams: JsonObject | null;
  postData: JsonValue | null;
  headers: Record<string, string> | null;
  /** Values of a store's extra columns, when it has any. */
  extra?: Record<string, unknown>;
}
