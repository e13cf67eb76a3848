import { NotJsonSerializableError } from '../errors.js';
import { setKey, toJsonSafe } from '../events/json-safe.js';
import { isPlainJson } from '../events/plain-json.js';
import type { JsonObject } from '../events/types.js';
import { getMasker } from '../masking/config.js';
import type { FieldMasker } from '../masking/mask.js';
import type { ActorType } from '../events/audit-model.js';
import {
  isMetadataMasked,
  permissionActorType,
  permissionEventId,
  type PermissionAction,
  type PermissionAuditEvent,
} from './event.js';

/**
 * The one stable JSON shape of a permission event: a line of a FileAuditLogger file, a Kafka
 * message value, a database row. Keys are snake_case and in this order, as general_manager
 * writes them (plus `event_id` first, and `tenant_id`, `actor_type` after the user), so `jq
 * 'select(.action == "update" and (.granted == false))'`
 * works unchanged.
 *
 * `user_repr` (the name, and the database column) is the user's string form whenever
 * there is a user. `user` is kept for jq queries written against general_manager files, with
 * its meaning there: the string form only when the user has no id, else null.
 */
export interface SerializedPermissionAuditEvent {
  /** The decision's id (see permissionEventId): sinks store one decision once per id. */
  event_id: string;
  /** ISO 8601 with an explicit offset (`+00:00`), e.g. `2025-01-31T12:00:00.000+00:00`. */
  timestamp: string;
  action: PermissionAction;
  attributes: string[];
  granted: boolean;
  bypassed: boolean;
  manager: string | null;
  user_id: string | null;
  user_repr: string | null;
  user: string | null;
  /** The tenant the decision was made in (the audit context's unless given), or null. */
  tenant_id: string | null;
  /** `user`, `service`, `api_key`, `system`, `agent` or `anonymous` (see permissionActorType). */
  actor_type: ActorType;
  permissions: string[];
  metadata: JsonObject | null;
}

/** Key under which metadata that cannot be stored as JSON is replaced by the reason. */
export const UNSERIALIZABLE_METADATA_KEY = '__not_serializable__';

export interface SerializeOptions {
  /**
   * Throw NotJsonSerializableError for metadata that cannot be stored (circular, functions)
   * instead of replacing it. Default false: the decision itself is never lost over metadata.
   */
  strict?: boolean;
  /**
   * Masks metadata values under sensitive keys (password, token, secret, authorization, cookie,
   * api_key, card numbers, cvv…) at any depth, exactly as request capture masks POST data.
   * Default: metadata masked when the event was emitted (with its request's masker) is written as
   * it is, any other with the process-wide masker (configureMasking()); a masker given here is
   * applied in every case; `null` writes metadata as the event holds it.
   */
  masker?: FieldMasker | null;
}

/**
 * The event as a fresh plain object (lists copied), ready for JSON.stringify. Every logger writes
 * metadata through this serializer, so every sink (file, database, Kafka) gets it masked: metadata
 * often carries request input (`{ input: req.body }`), and an audit log must not become the place
 * where passwords are kept. Events emitted through emitPermissionAuditEvent arrive masked already
 * (see enrichEvent).
 */
export function serializeEvent(
  event: PermissionAuditEvent,
  options: SerializeOptions = {},
): SerializedPermissionAuditEvent {
  return shape(event, options.strict === true, true, options.masker);
}

/** One NDJSON line (with its newline) for `event`. */
export function serializeEventLine(event: PermissionAuditEvent): string {
  // The lists go to JSON.stringify directly: copying them first would only cost time.
  return `${JSON.stringify(shape(event, false, false, undefined))}\n`;
}

/** `masker` undefined: the default described at SerializeOptions.masker. */
function shape(
  event: PermissionAuditEvent,
  strict: boolean,
  copy: boolean,
  masker: FieldMasker | null | undefined,
): SerializedPermissionAuditEvent {
  const user = event.user;
  return {
    event_id: permissionEventId(event),
    timestamp: formatTimestamp(event.timestamp),
    action: event.action,
    attributes: (copy ? [...event.attributes] : event.attributes) as string[],
    granted: event.granted,
    bypassed: event.bypassed,
    manager: event.manager,
    user_id: user?.id ?? null,
    user_repr: user?.repr ?? null,
    user: user !== null && user.id === null ? user.repr : null,
    tenant_id: event.tenantId ?? null,
    actor_type: permissionActorType(event),
    permissions: (copy ? [...event.permissions] : event.permissions) as string[],
    metadata:
      masker === undefined && isMetadataMasked(event)
        ? (event.metadata as JsonObject | null)
        : serializeMetadata(event.metadata, strict, masker === undefined ? getMasker() : masker),
  };
}

// Events of one batch mostly share their millisecond; Date#toISOString is slow enough to matter.
let lastTime = Number.NaN;
let lastText = '';

/** ISO 8601 in UTC written as `+00:00`, the offset form Python's isoformat() produces. */
export function formatTimestamp(date: Date): string {
  const time = date.getTime();
  if (time !== lastTime) {
    lastText = `${date.toISOString().slice(0, -1)}+00:00`;
    lastTime = time;
  }
  return lastText;
}

/**
 * Metadata as stored: converted to JSON (salvaged key by key unless `strict`), then masked unless
 * `masker` is null. Also what enrichEvent applies when a decision is emitted.
 */
export function serializeMetadata(
  metadata: PermissionAuditEvent['metadata'],
  strict: boolean,
  masker: FieldMasker | null,
): JsonObject | null {
  if (metadata === null) return null;
  try {
    // Already JSON (nearly always): the masker copies it, and examines values too, not only keys.
    if (masker !== null && isPlainJson(metadata)) return masker.mask(metadata as JsonObject) as JsonObject;
    // BigInt → decimal string, Date → ISO string, Map/Set → object/array (see toJsonSafe).
    const json = toJsonSafe(metadata, 'metadata') as JsonObject;
    return masker === null ? json : (masker.mask(json) as JsonObject);
  } catch (err) {
    if (strict) throw err;
    const kept = salvage(metadata);
    return masker === null ? kept : (masker.mask(kept) as JsonObject);
  }
}

/**
 * Keeps every top-level key that can be stored and names the others, with the reason, under
 * UNSERIALIZABLE_METADATA_KEY: one bad value (`input` nested 10 000 levels deep, a circular
 * object) must not also take request_id, url and ip, which tie the decision to its request.
 */
function salvage(metadata: Readonly<Record<string, unknown>>): JsonObject {
  const out: JsonObject = {};
  const reasons: string[] = [];
  try {
    for (const key of Object.keys(metadata)) {
      try {
        const value = metadata[key];
        if (value !== undefined) setKey(out, key, toJsonSafe(value, `metadata.${key}`));
      } catch (err) {
        reasons.push(failure(err));
      }
    }
  } catch (err) {
    return { [UNSERIALIZABLE_METADATA_KEY]: failure(err) };
  }
  setKey(out, UNSERIALIZABLE_METADATA_KEY, reasons.join('; '));
  return out;
}

/** NotJsonSerializableError names the path (`metadata.self`); a throwing getter gives its own message. */
function failure(err: unknown): string {
  return err instanceof NotJsonSerializableError
    ? err.message
    : `metadata could not be read: ${err instanceof Error ? err.message : String(err)}`;
}
