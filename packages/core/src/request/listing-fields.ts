import { ConfigurationError } from '../errors.js';
import type { JsonValue } from '../events/types.js';

/** The fields of an event as the read API answers them (AuditEvent, with `extra` when a store has extra columns). */
export const EVENT_FIELDS = [
  'id',
  'createdAt',
  'contentType',
  'objectId',
  'content',
  'userId',
  'userRepr',
  'actorType',
  'tenantId',
  'action',
  'outcome',
  'reason',
  'url',
  'method',
  'ip',
  'requestId',
  'userAgent',
  'queryParams',
  'postData',
  'headers',
  'extra',
] as const;
export type EventField = (typeof EVENT_FIELDS)[number];

/** Always answered: `id` names the event (`GET <mount>/:id`), `createdAt` is the listing's order. */
const ALWAYS: readonly EventField[] = ['id', 'createdAt'];

/**
 * The router's `fields` option, for less privileged viewers: either the fields to leave out
 * (`{ exclude: ['postData', 'headers', 'ip', 'userAgent'] }`) or the only ones to answer
 * (`{ include: ['contentType', 'objectId', 'action', 'outcome'] }`; `id` and `createdAt` always come).
 */
export type EventFieldsOption = { exclude: readonly EventField[] } | { include: readonly EventField[] };

function fieldList(kind: string, value: unknown): EventField[] {
  if (!Array.isArray(value)) throw new ConfigurationError('fields', `${kind} must be an array of field names`);
  for (const name of value) {
    if (typeof name !== 'string' || !(EVENT_FIELDS as readonly string[]).includes(name)) {
      throw new ConfigurationError(
        'fields',
        `${kind}: unknown field ${JSON.stringify(String(name).slice(0, 64))}; known: ${EVENT_FIELDS.join(', ')}`,
      );
    }
  }
  return value as EventField[];
}

/** The checked option: which fields are answered. */
export interface FieldVisibility {
  /** `include`: only `names` (plus id and createdAt); `exclude`: every field but `names`. */
  mode: 'include' | 'exclude';
  names: ReadonlySet<string>;
}

/**
 * The fields answered, or null for all of them. Checked when the router is created: an unknown or
 * misspelt name (`postdata`) would otherwise leave that field visible without a word.
 */
export function resolveFieldsOption(value: unknown): FieldVisibility | null {
  if (value === undefined) return null;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigurationError('fields', 'must be { exclude: [...] } or { include: [...] }');
  }
  const keys = Object.keys(value);
  if (keys.length !== 1 || (keys[0] !== 'exclude' && keys[0] !== 'include')) {
    throw new ConfigurationError('fields', 'must have exactly one of exclude or include');
  }
  const mode = keys[0];
  const names = fieldList(mode, (value as Record<string, unknown>)[mode]);
  if (mode === 'include') return { mode, names: new Set<string>([...ALWAYS, ...names]) };
  for (const name of names) {
    if (ALWAYS.includes(name))
      throw new ConfigurationError('fields', `${name} is always answered and cannot be excluded`);
  }
  return { mode, names: new Set(names) };
}

/** Whether a field is answered (and so may be filtered on). */
export function isVisible(name: string, visibility: FieldVisibility | null): boolean {
  if (visibility === null) return true;
  return visibility.mode === 'include' ? visibility.names.has(name) : !visibility.names.has(name);
}

/** An event (already JSON-safe) with only the visible fields. */
export function pickFields(event: JsonValue, visibility: FieldVisibility | null): JsonValue {
  if (visibility === null || event === null || typeof event !== 'object' || Array.isArray(event)) return event;
  const picked: { [key: string]: JsonValue } = {};
  for (const [key, value] of Object.entries(event)) {
    if (isVisible(key, visibility)) picked[key] = value;
  }
  return picked;
}
