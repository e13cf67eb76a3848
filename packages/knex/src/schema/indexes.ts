import { createHash } from 'node:crypto';
import { splitTableName } from '../sql/identifiers.js';
import type { ResolvedExtraColumn } from './schema-options.js';

export interface IndexSpec {
  name: string;
  columns: string[];
  unique: boolean;
}

// PostgreSQL truncates identifiers at 63 bytes (MySQL refuses more than 64): long table names get
// a short hash instead, so two long names never collide on a truncated prefix.
const MAX_NAME = 63;

export function indexName(tableName: string, suffix: string): string {
  const { table } = splitTableName(tableName);
  const plain = `${table}_${suffix}`;
  if (plain.length <= MAX_NAME) return plain;
  const hash = createHash('sha256').update(plain).digest('hex').slice(0, 8);
  const head = table.slice(0, Math.max(1, MAX_NAME - suffix.length - hash.length - 2));
  return `${head}_${hash}_${suffix}`.slice(0, MAX_NAME);
}

/**
 * Indexes of both tables. The object and user indexes end with created_at so "history of X,
 * newest first" reads one index range in order instead of sorting every event of X.
 */
export function indexesFor(tableName: string, extraColumns: readonly ResolvedExtraColumn[]): IndexSpec[] {
  return [
    { name: indexName(tableName, 'created_at_idx'), columns: ['created_at'], unique: false },
    {
      name: indexName(tableName, 'content_object_idx'),
      columns: ['content_type', 'object_id', 'created_at'],
      unique: false,
    },
    { name: indexName(tableName, 'user_id_idx'), columns: ['user_id', 'created_at'], unique: false },
    { name: indexName(tableName, 'request_id_idx'), columns: ['request_id'], unique: false },
    { name: indexName(tableName, 'chain_seq_uq'), columns: ['chain_id', 'seq'], unique: true },
    ...auditModelIndexes(tableName),
    ...extraColumns
      .filter((column) => column.index)
      .map((column) => ({ name: indexName(tableName, `${column.name}_idx`), columns: [column.name], unique: false })),
  ];
}

/**
 * The audit model's indexes: a tenant's or an action's events over time, newest first,
 * are one index range; shared by ensure-schema and the upgrade migration.
 */
export function auditModelIndexes(tableName: string): IndexSpec[] {
  return [
    { name: indexName(tableName, 'tenant_created_idx'), columns: ['tenant_id', 'created_at'], unique: false },
    { name: indexName(tableName, 'action_created_idx'), columns: ['action', 'created_at'], unique: false },
  ];
}
