import {
  ACTOR_TYPES,
  OUTCOMES,
  isEventId,
  type ActorType,
  type AuditEvent,
  type JsonObject,
  type JsonValue,
  type Outcome,
} from '@audit-events/core';
import { DEFAULT_OUTCOME, MAX_REASON_LENGTH, defaultActorType } from '@audit-events/core/internal';
import { type DialectName, type DialectTraits } from '../sql/dialect.js';
import { jsonDepth, maxJsonDepth } from '../sql/json-depth.js';
import { fromDbJson, fromDbTimestamp, toDbJson, toDbString, toDbTimestamp } from '../sql/values.js';
import { checkColumnName } from '../sql/identifiers.js';
import { STRING_LIMITS } from '../schema/columns.js';
import type { ResolvedExtraColumn } from '../schema/schema-options.js';
import { extraFromDb, extraToDb } from './extra-values.js';
import { canonicalJsonText } from '../integrity/canonical-json.js';

/** A database row: column name → value as bound / as returned by the driver. */
export type EventRow = Record<string, unknown>;

/**
 * The swappable-model hook. `toRow` receives the event and the row the store built and returns the
 * row to insert (add, rename or drop columns); `fromRow` receives a selected row and the event the
 * store built and returns the event to hand out. Both run synchronously; a throw in `toRow` fails
 * only the save() that carried that event.
 */
export interface RowMapper {
  toRow?(event: AuditEvent, row: EventRow): EventRow;
  fromRow?(row: EventRow, event: AuditEvent): AuditEvent;
}

export interface RowContext {
  dialect: DialectName;
  extraColumns: readonly ResolvedExtraColumn[];
  mapRow: RowMapper | undefined;
  /**
   * JSON columns are written as canonical JSON (integrity on): the hash chain then takes the
   * bound text as it is instead of parsing and re-serialising it.
   */
  canonicalJson?: boolean;
}

/** Why an event cannot be stored; the store turns it into a StoreWriteError for that caller only. */
export class InvalidEventRowError extends Error {}

function fail(message: string): never {
  throw new InvalidEventRowError(message);
}

// Each column's length limit, as named properties: a keyed lookup per value (event[field],
// limits[column]) was a megamorphic load, 15 per event.
const LIMITS = {
  contentType: STRING_LIMITS['content_type'],
  objectId: STRING_LIMITS['object_id'],
  userId: STRING_LIMITS['user_id'],
  userRepr: STRING_LIMITS['user_repr'],
  url: STRING_LIMITS['url'],
  method: STRING_LIMITS['method'],
  ip: STRING_LIMITS['ip'],
  requestId: STRING_LIMITS['request_id'],
  userAgent: STRING_LIMITS['user_agent'],
  tenantId: STRING_LIMITS['tenant_id'],
  action: STRING_LIMITS['action'],
  reason: STRING_LIMITS['reason'],
};

function text(value: unknown, field: string, limit: number | undefined, ctx: RowContext): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') fail(`${field} must be a string or null`);
  if (limit !== undefined && value.length > limit) fail(`${field} is longer than ${limit} characters`);
  return toDbString(value, ctx.dialect);
}

function json(value: unknown, field: string, ctx: RowContext): string | null {
  const limit = maxJsonDepth(ctx.dialect);
  if (limit !== Number.POSITIVE_INFINITY && jsonDepth(value, limit + 1) > limit) {
    fail(`${field} is nested deeper than ${limit} levels, the most this database stores`);
  }
  try {
    return toDbJson(value, ctx.dialect, ctx.canonicalJson === true ? canonicalJsonText : JSON.stringify);
  } catch (err) {
    return fail(`${field} cannot be stored as JSON: ${(err as Error).message}`);
  }
}

/**
 * A value of a closed set, or the default when the event has none (an event built by hand before
 * the field existed); anything else fails that event alone.
 */
function oneOf(
  event: AuditEvent,
  field: 'actorType' | 'outcome',
  allowed: readonly string[],
  fallback: string,
): string {
  const value: unknown = event[field];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string' || !allowed.includes(value)) fail(`${field} must be one of ${allowed.join(', ')}`);
  return value;
}

const checkedColumns = new Set<string>();

/** Builds the row for one event, or throws InvalidEventRowError naming the bad field. */
export function eventToRow(event: AuditEvent, ctx: RowContext): EventRow {
  if (event === null || typeof event !== 'object') fail('an event must be an object');
  if (!isEventId(event.id)) fail(`id must be a lowercase UUID, got ${JSON.stringify(String(event.id))}`);
  if (!(event.createdAt instanceof Date) || Number.isNaN(event.createdAt.getTime()))
    fail('createdAt must be a valid Date');
  if (typeof event.contentType !== 'string' || event.contentType.length === 0)
    fail('contentType must be a non-empty string');
  if (typeof event.objectId !== 'string' || event.objectId.length === 0) fail('objectId must be a non-empty string');
  const content = event.content as unknown;
  if (content === null || typeof content !== 'object' || Array.isArray(content)) fail('content must be a plain object');

  const row: EventRow = {
    id: event.id,
    created_at: toDbTimestamp(event.createdAt, ctx.dialect),
    content_type: text(event.contentType, 'contentType', LIMITS.contentType, ctx),
    object_id: text(event.objectId, 'objectId', LIMITS.objectId, ctx),
    content: json(event.content, 'content', ctx),
    user_id: text(event.userId, 'userId', LIMITS.userId, ctx),
    user_repr: text(event.userRepr, 'userRepr', LIMITS.userRepr, ctx),
    url: text(event.url, 'url', LIMITS.url, ctx),
    method: text(event.method, 'method', LIMITS.method, ctx),
    ip: text(event.ip, 'ip', LIMITS.ip, ctx),
    request_id: text(event.requestId, 'requestId', LIMITS.requestId, ctx),
    user_agent: text(event.userAgent, 'userAgent', LIMITS.userAgent, ctx),
    query_params: json(event.queryParams, 'queryParams', ctx),
    post_data: json(event.postData, 'postData', ctx),
    headers: json(event.headers, 'headers', ctx),
    tenant_id: text(event.tenantId, 'tenantId', LIMITS.tenantId, ctx),
    actor_type: oneOf(event, 'actorType', ACTOR_TYPES, defaultActorType(event.userId)),
    action: text(event.action, 'action', LIMITS.action, ctx),
    outcome: oneOf(event, 'outcome', OUTCOMES, DEFAULT_OUTCOME),
    reason: text(event.reason, 'reason', LIMITS.reason, ctx),
  };
  if (typeof row.reason === 'string' && row.reason.length > MAX_REASON_LENGTH)
    fail(`reason is longer than ${MAX_REASON_LENGTH} characters`);
  const extra = event.extra ?? {};
  for (const column of ctx.extraColumns) {
    const converted = extraToDb(extra[column.name], column, ctx.dialect);
    if ('error' in converted) fail(`extra.${column.name} ${converted.error}`);
    row[column.name] = converted.value;
  }
  if (!ctx.mapRow?.toRow) return row;

  const mapped: unknown = ctx.mapRow.toRow(event, row);
  if (mapped === null || typeof mapped !== 'object' || Array.isArray(mapped))
    fail('mapRow.toRow must return an object');
  // Keys of a mapped row become SQL identifiers: check each name once per process.
  for (const key of Object.keys(mapped)) {
    if (!checkedColumns.has(key)) {
      checkColumnName(key);
      checkedColumns.add(key);
    }
  }
  return mapped as EventRow;
}

/** Alias of the exact text copy of the i-th extra column when it is a bigint (see findEvents). */
export function bigintAlias(i: number): string {
  return `__audit_bigint_${i}`;
}

function nullableString(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}

/** Builds the event for one selected row (JSON parsed, times as Dates, extra columns in `extra`). */
export function rowToEvent(row: EventRow, ctx: RowContext, traits: DialectTraits): AuditEvent {
  const content = fromDbJson(row.content, traits);
  const userId = nullableString(row.user_id);
  // Rows written before the audit-model columns existed (or by an older writer) read as null:
  // they get the defaults every reader of old data applies.
  const actorType = nullableString(row.actor_type) as ActorType | null;
  const outcome = nullableString(row.outcome) as Outcome | null;
  const event: AuditEvent = {
    id: String(row.id),
    createdAt: fromDbTimestamp(row.created_at),
    contentType: String(row.content_type),
    objectId: String(row.object_id),
    content: (content !== null && typeof content === 'object' ? content : {}) as JsonObject,
    userId,
    userRepr: nullableString(row.user_repr),
    tenantId: nullableString(row.tenant_id),
    actorType: actorType ?? defaultActorType(userId),
    action: nullableString(row.action),
    outcome: outcome ?? DEFAULT_OUTCOME,
    reason: nullableString(row.reason),
    url: nullableString(row.url),
    method: nullableString(row.method),
    ip: nullableString(row.ip),
    requestId: nullableString(row.request_id),
    userAgent: nullableString(row.user_agent),
    queryParams: fromDbJson(row.query_params, traits) as JsonObject | null,
    postData: fromDbJson(row.post_data, traits) as JsonValue | null,
    headers: fromDbJson(row.headers, traits) as Record<string, string> | null,
  };
  if (ctx.extraColumns.length > 0) {
    const extra: Record<string, unknown> = {};
    ctx.extraColumns.forEach((column, i) => {
      const exact = column.type === 'bigint' ? row[bigintAlias(i)] : undefined;
      extra[column.name] = extraFromDb(exact ?? row[column.name], column, traits);
    });
    event.extra = extra;
  }
  return ctx.mapRow?.fromRow ? ctx.mapRow.fromRow(row, event) : event;
}
