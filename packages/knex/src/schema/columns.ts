import type { ColumnSpec } from '../sql/column-types.js';

/** Column types an extra column may have (`id` is reserved for the primary key). */
export type ExtraColumnType = 'string' | 'text' | 'integer' | 'bigint' | 'boolean' | 'json' | 'timestamp' | 'float';

/** A column added to both tables; its value comes from `event.extra[name]`. */
export interface ExtraColumn {
  name: string;
  type: ExtraColumnType;
  /** Default true. A non-nullable column makes events without the value fail at `save()`. */
  nullable?: boolean;
  /** Default false: add an index on this column. */
  index?: boolean;
}

/**
 * The audit model's columns: tenant, actor type, action, outcome, reason. Nullable, so
 * the upgrade migration can add them to tables that hold rows, and so a hash chain's older rows
 * (where they are null, hence not hashed: see row-layout.ts) keep verifying, while every value a
 * newer row stores in them is hashed. Widths match core's limits.
 */
export const AUDIT_MODEL_COLUMNS: readonly ColumnSpec[] = [
  { name: 'tenant_id', type: 'string', length: 255, nullable: true },
  { name: 'actor_type', type: 'string', length: 16, nullable: true },
  { name: 'action', type: 'string', length: 200, nullable: true },
  { name: 'outcome', type: 'string', length: 16, nullable: true },
  { name: 'reason', type: 'text', nullable: true },
];

/** The columns of the event table, in order. Lengths match core's limits (content type/object id
 *  255 characters, request ids 128). */
export const EVENT_COLUMNS: readonly ColumnSpec[] = [
  { name: 'id', type: 'id', nullable: false },
  { name: 'created_at', type: 'timestamp', nullable: false },
  { name: 'content_type', type: 'string', length: 255, nullable: false },
  { name: 'object_id', type: 'string', length: 255, nullable: false },
  { name: 'content', type: 'json', nullable: false },
  { name: 'user_id', type: 'string', length: 255, nullable: true },
  { name: 'user_repr', type: 'text', nullable: true },
  { name: 'url', type: 'text', nullable: true },
  { name: 'method', type: 'string', length: 16, nullable: true },
  { name: 'ip', type: 'string', length: 64, nullable: true },
  { name: 'request_id', type: 'string', length: 128, nullable: true },
  { name: 'user_agent', type: 'text', nullable: true },
  { name: 'query_params', type: 'json', nullable: true },
  { name: 'post_data', type: 'json', nullable: true },
  { name: 'headers', type: 'json', nullable: true },
  ...AUDIT_MODEL_COLUMNS,
];

/**
 * Tamper-evidence columns (hash chains). Created now, null until integrity is
 * enabled, so turning it on later needs no migration. The archive copies them unchanged, which
 * keeps the chains verifiable across both tables.
 */
export const INTEGRITY_COLUMNS: readonly ColumnSpec[] = [
  { name: 'chain_id', type: 'string', length: 64, nullable: true },
  { name: 'seq', type: 'bigint', nullable: true },
  { name: 'prev_hash', type: 'string', length: 64, nullable: true },
  { name: 'hash', type: 'string', length: 64, nullable: true },
  // The writer key of a keyed row; null for rows hashed without a key.
  { name: 'key_id', type: 'string', length: 64, nullable: true },
];

/** When an event was moved to the archive table. */
export const ARCHIVED_AT: ColumnSpec = { name: 'archived_at', type: 'timestamp', nullable: false };

/** Every column name the store itself manages; extra columns may not reuse them. */
export const RESERVED_COLUMNS: ReadonlySet<string> = new Set(
  [...EVENT_COLUMNS, ...INTEGRITY_COLUMNS, ARCHIVED_AT].map((c) => c.name),
);

/** Max characters of the string columns, checked per event before it joins a batch. */
export const STRING_LIMITS: Readonly<Record<string, number>> = Object.fromEntries(
  EVENT_COLUMNS.filter((c) => c.type === 'string').map((c) => [c.name, c.length ?? 255]),
);
