import { serializeEvent, type PermissionAuditEvent } from '@audit-events/core';
import { clampJsonDepth, jsonDepth, maxJsonDepth, toDbJson, toDbString } from '../sql/dialect.js';
import type { AuditLogDialect } from './audit-log-dialect.js';

/** One row of the permission audit table, as bound into an INSERT. */
export interface PermissionAuditRow {
  /** The decision's UUID: unique in the table, so a retried batch is stored once. */
  event_id: string;
  timestamp: Date | string;
  action: string;
  attributes: string;
  granted: boolean;
  bypassed: boolean;
  manager: string | null;
  user_id: string | null;
  user_repr: string | null;
  tenant_id: string | null;
  actor_type: string;
  permissions: string;
  metadata: string | null;
}

/**
 * Maps an event to a row through serializeEvent, so the table holds exactly what a log file
 * line holds. JSON columns are bound as JSON text (pg would otherwise turn arrays into SQL
 * arrays). Times: a Date for PostgreSQL's timestamptz; UTC `YYYY-MM-DD HH:MM:SS.mmm` text for
 * MySQL (no driver time-zone conversion) and SQLite (sorts, and SQLite's date functions read it).
 * Strings go through the event store's cleaning (toDbString/toDbJson): a NUL character or a lone
 * surrogate — from a request body in metadata, or a user name — cannot be stored by PostgreSQL,
 * and without it the whole batch failed and its events were lost.
 */
export function toPermissionAuditRow(event: PermissionAuditEvent, dialect: AuditLogDialect): PermissionAuditRow {
  const s = serializeEvent(event);
  return {
    event_id: s.event_id,
    timestamp: dialect === 'postgres' ? new Date(event.timestamp.getTime()) : utcText(event.timestamp),
    action: s.action,
    attributes: toDbJson(s.attributes, dialect) as string,
    granted: s.granted,
    bypassed: s.bypassed,
    manager: text(s.manager, dialect),
    user_id: text(s.user_id, dialect),
    user_repr: text(s.user_repr, dialect),
    // Outside the hash layout: hashed when not null, so rows from before these columns still verify.
    tenant_id: text(s.tenant_id, dialect),
    actor_type: s.actor_type,
    permissions: toDbJson(s.permissions, dialect) as string,
    metadata: toDbJson(storableMetadata(s.metadata, dialect), dialect),
  };
}

function text(value: string | null, dialect: AuditLogDialect): string | null {
  return value === null ? null : toDbString(value, dialect);
}

// Events of a batch mostly share their millisecond, and toISOString() is a visible cost per row.
let lastTime = Number.NaN;
let lastText = '';

function utcText(date: Date): string {
  const time = date.getTime();
  if (time !== lastTime) {
    lastText = date.toISOString().replace('T', ' ').slice(0, 23);
    lastTime = time;
  }
  return lastText;
}

/**
 * Metadata nested deeper than the database stores (MariaDB: 32 levels) would fail the whole batch
 * and every decision in it; the too-deep subtrees are replaced by a marker instead, so the decision
 * and the rest of its metadata are kept.
 */
function storableMetadata(metadata: unknown, dialect: AuditLogDialect): unknown {
  const limit = maxJsonDepth(dialect);
  if (limit === Number.POSITIVE_INFINITY || jsonDepth(metadata, limit + 1) <= limit) return metadata;
  return clampJsonDepth(metadata, limit);
}
