import type { AuditEvent } from '@audit-events/core';
import { csvField } from '../report/format-csv.js';

export type ExportFormat = 'ndjson' | 'csv';

/**
 * The CSV columns, in order: the event's scalar fields, then its JSON fields as JSON text. Fields
 * an older store does not return are empty cells, so the header stays the same for every store.
 */
const CSV_COLUMNS: ReadonlyArray<readonly [header: string, field: string]> = [
  ['id', 'id'],
  ['created_at', 'createdAt'],
  ['tenant_id', 'tenantId'],
  ['content_type', 'contentType'],
  ['object_id', 'objectId'],
  ['action', 'action'],
  ['outcome', 'outcome'],
  ['reason', 'reason'],
  ['actor_type', 'actorType'],
  ['user_id', 'userId'],
  ['user_repr', 'userRepr'],
  ['request_id', 'requestId'],
  ['method', 'method'],
  ['url', 'url'],
  ['ip', 'ip'],
  ['user_agent', 'userAgent'],
  ['content', 'content'],
  ['query_params', 'queryParams'],
  ['post_data', 'postData'],
  ['headers', 'headers'],
  ['extra', 'extra'],
];

/** RFC 4180 ends records with CRLF (quoted fields may hold bare LFs of their own). */
const CSV_EOL = '\r\n';

/** The header record of a CSV export (with its line end), or '' for NDJSON. */
export function exportHeader(format: ExportFormat): string {
  return format === 'csv' ? CSV_COLUMNS.map(([header]) => csvField(header)).join(',') + CSV_EOL : '';
}

/**
 * One event as one record with its line end: NDJSON (JSON.stringify: times as ISO 8601 UTC), or
 * CSV with every cell RFC 4180-quoted where needed and formula-safe (a cell starting with
 * `= + - @`, tab or CR gets a leading `'`, see csvField) and nested values as JSON text.
 */
export function exportLine(event: AuditEvent, format: ExportFormat): string {
  if (format === 'ndjson') return `${JSON.stringify(event)}\n`;
  const record = event as unknown as Record<string, unknown>;
  return CSV_COLUMNS.map(([, field]) => csvField(cellOf(record[field]))).join(',') + CSV_EOL;
}

function cellOf(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}
