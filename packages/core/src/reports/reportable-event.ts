import { DEPLOYMENT_METADATA_KEY } from '../permission/deployment.js';

/**
 * A serialised permission event (a log line, a Kafka message) reduced to what the reports read,
 * or null when it is not one. Accepts what our loggers write and what general_manager writes
 * (no `user_repr`, the string form in `user`; ISO timestamps with microseconds).
 */
export interface ReportableEvent {
  /** Milliseconds since the epoch. */
  time: number;
  action: string;
  attributes: readonly string[];
  granted: boolean;
  bypassed: boolean;
  manager: string | null;
  user_id: string | null;
  user_repr: string | null;
  /** The tenant the decision was made in (`tenant_id`), null outside any tenant or in older logs. */
  tenant_id: string | null;
  /** metadata.deployment when it is a string. */
  deployment: string | null;
}

// ISO 8601 date-time; the zone is optional (a missing one is read as UTC, never as local time:
// a report must not change with the machine that runs it).
const ISO = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const ZONE = /(Z|[+-]\d{2}:?\d{2})$/i;
const EMPTY: readonly string[] = Object.freeze([]);

export function toReportableEvent(value: unknown): ReportableEvent | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  const time = timeOf(v['timestamp']);
  if (time === null) return null;
  const action = v['action'];
  const granted = v['granted'];
  const bypassed = v['bypassed'] ?? false;
  if (typeof action !== 'string' || typeof granted !== 'boolean' || typeof bypassed !== 'boolean') return null;
  const attributes = stringList(v['attributes']);
  const manager = v['manager'] ?? null;
  if (attributes === null || (manager !== null && typeof manager !== 'string')) return null;
  const userId = idOf(v['user_id']);
  const userRepr = v['user_repr'] !== undefined ? v['user_repr'] : (v['user'] ?? null);
  if (userId === undefined || (userRepr !== null && typeof userRepr !== 'string')) return null;
  const tenantId = idOf(v['tenant_id']);
  if (tenantId === undefined) return null;
  const metadata = v['metadata'];
  const deployment =
    metadata !== null && typeof metadata === 'object' && !Array.isArray(metadata)
      ? (metadata as Record<string, unknown>)[DEPLOYMENT_METADATA_KEY]
      : undefined;
  return {
    time,
    action,
    attributes,
    granted,
    bypassed,
    manager,
    user_id: userId,
    user_repr: userRepr,
    tenant_id: tenantId,
    deployment: typeof deployment === 'string' ? deployment : null,
  };
}

function timeOf(value: unknown): number | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.getTime();
  if (typeof value !== 'string' || !ISO.test(value)) return null;
  const text = ZONE.test(value) ? value : `${value}Z`;
  const time = Date.parse(text.replace(' ', 'T'));
  return Number.isNaN(time) ? null : time;
}

function stringList(value: unknown): readonly string[] | null {
  if (value === undefined || value === null) return EMPTY;
  if (!Array.isArray(value)) return null;
  for (const item of value) if (typeof item !== 'string') return null;
  return value as string[];
}

/** A user id as our loggers write it (string or null); a number from another writer becomes its text. */
function idOf(value: unknown): string | null | undefined {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}
