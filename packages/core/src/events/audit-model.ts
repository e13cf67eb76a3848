import { InvalidEventError } from '../errors.js';

/**
 * The audit model's own fields: which tenant, which kind of actor, what action, did it
 * succeed, and why. Every value comes from app code or a request, so each has a validator that
 * throws an InvalidEventError naming the field before anything is written.
 */

export const ACTOR_TYPES = Object.freeze(['user', 'service', 'api_key', 'system', 'agent', 'anonymous'] as const);
export type ActorType = (typeof ACTOR_TYPES)[number];

export const OUTCOMES = Object.freeze(['success', 'failure', 'denied'] as const);
export type Outcome = (typeof OUTCOMES)[number];

/** `order.created`-style names: longer ones are free text, which belongs in `reason`. */
export const MAX_ACTION_LENGTH = 200;
/** A short explanation (why it failed or was denied); a longer one is an error, not silently cut. */
export const MAX_REASON_LENGTH = 1000;
/** The column is 255 characters wide on every dialect. */
export const MAX_TENANT_ID_LENGTH = 255;
/** Actor ids and representations share the user columns' width. */
export const MAX_ACTOR_FIELD_LENGTH = 255;

/** Who acted: a person, an API key, a background job, an AI agent… `id`/`repr` fill userId/userRepr. */
export interface AuditActor {
  type: ActorType;
  id: string | null;
  repr: string | null;
}

/** The defaults of events stored before these fields existed (old rows, old messages, old payloads). */
export const DEFAULT_OUTCOME: Outcome = 'success';

export function defaultActorType(userId: string | null | undefined): ActorType {
  return userId === null || userId === undefined ? 'anonymous' : 'user';
}

const ACTOR_SET: ReadonlySet<string> = new Set(ACTOR_TYPES);
const OUTCOME_SET: ReadonlySet<string> = new Set(OUTCOMES);

/** Shown in messages: a hostile value must not flood a log line. */
function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 40));
  if (value === null) return 'null';
  return typeof value;
}

function nullableString(field: string, value: unknown, max: number, allowEmpty = false): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw new InvalidEventError(`${field} must be a string or null, not ${shown(value)}`);
  if (!allowEmpty && value.length === 0) throw new InvalidEventError(`${field} must not be empty (use null for none)`);
  if (value.length > max) throw new InvalidEventError(`${field} must be at most ${max} characters`);
  return value;
}

export function checkTenantId(value: unknown, field = 'tenantId'): string | null {
  return nullableString(field, value, MAX_TENANT_ID_LENGTH);
}

export function checkAction(value: unknown, field = 'action'): string | null {
  return nullableString(field, value, MAX_ACTION_LENGTH);
}

export function checkOutcome(value: unknown, field = 'outcome'): Outcome {
  if (value === undefined || value === null) return DEFAULT_OUTCOME;
  if (typeof value !== 'string' || !OUTCOME_SET.has(value)) {
    throw new InvalidEventError(`${field} must be one of ${OUTCOMES.join(', ')}, not ${shown(value)}`);
  }
  return value as Outcome;
}

export function checkActorType(value: unknown, field = 'actorType'): ActorType {
  if (typeof value !== 'string' || !ACTOR_SET.has(value)) {
    throw new InvalidEventError(`${field} must be one of ${ACTOR_TYPES.join(', ')}, not ${shown(value)}`);
  }
  return value as ActorType;
}

/** Reason text: a string or null (an empty string is none: `reason: err.message` may be ''). */
export function checkReason(value: unknown, field = 'reason'): string | null {
  const reason = nullableString(field, value, MAX_REASON_LENGTH, true);
  return reason === '' ? null : reason;
}

/**
 * An actor as an app's `getActor()` or a context init gives it: `{ type, id?, repr? }`, ids that are
 * numbers become strings (as user ids do); null or undefined means "no actor given".
 */
export function checkActor(value: unknown, field = 'actor'): AuditActor | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidEventError(`${field} must be { type, id, repr } or null, not ${shown(value)}`);
  }
  const actor = value as Record<string, unknown>;
  const type = checkActorType(actor['type'], `${field}.type`);
  const rawId = actor['id'];
  const id = (typeof rawId === 'number' && Number.isFinite(rawId)) || typeof rawId === 'bigint' ? String(rawId) : rawId;
  return {
    type,
    id: nullableString(`${field}.id`, id, MAX_ACTOR_FIELD_LENGTH),
    repr: nullableString(`${field}.repr`, actor['repr'], MAX_ACTOR_FIELD_LENGTH),
  };
}
