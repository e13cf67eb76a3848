// Shared helpers for the hash-chain tests: events, a migrated chained store on unique tables, raw
// access to chain rows, and an independent implementation of the documented hash format (what an
// auditor, or a forger who knows it, would compute).
import { createHash, createHmac } from 'node:crypto';
import { GENESIS_HASH, HASH_FORMAT, KnexEventStore } from '@audit-events/knex';
import { uniqueTable } from '../helpers/databases.js';

// The same complete event the knex store tests use.
export { makeEvent } from '../knex/support.js';

/** A migrated store with integrity on, on fresh tables recorded in `cleanup`. */
export async function chainedStore(knex, cleanup, options = {}) {
  const tableName = options.tableName ?? uniqueTable('ich');
  const archiveTableName = options.archiveTableName ?? `${tableName}_arc`;
  if (!cleanup.includes(tableName)) cleanup.push(tableName, archiveTableName);
  const store = new KnexEventStore(knex, { integrity: true, lingerMs: 0, ...options, tableName, archiveTableName });
  await store.migrate();
  return store;
}

export async function dropAll(knex, names) {
  if (!knex) return;
  for (const name of names.splice(0)) await knex.schema.dropTableIfExists(name);
}

/** Chain rows of `table` ordered by chain and seq, as { chain_id, seq (number), prev_hash, hash }. */
export async function chainRows(knex, table, chainId) {
  const query = knex(table).select('chain_id', 'seq', 'prev_hash', 'hash').whereNotNull('chain_id');
  if (chainId) query.where('chain_id', chainId);
  const rows = await query.orderBy([{ column: 'chain_id' }, { column: 'seq' }]);
  return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
}

/** The one chain of a report, or a failure naming what there was. */
export function onlyChain(report) {
  if (report.chains.length !== 1) throw new Error(`expected one chain, got ${JSON.stringify(report.chains)}`);
  return report.chains[0];
}

/** Each chain as `chainId → valid | reason@seq`, for compact assertions. */
export function verdicts(report) {
  return Object.fromEntries(
    report.chains.map((c) => [c.chainId, c.valid ? 'valid' : `${c.reason}@${c.firstBadSeq ?? '-'}`]),
  );
}

// ---------------------------------------------------------------------------------------------
// The hash format, re-implemented from its documentation (packages/knex/README.md, "Integrity").

/** JSON with object keys sorted, no whitespace. */
export function canonicalJson(value) {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  return `{${Object.keys(value)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`)
    .join(',')}}`;
}

const EVENT_COLUMNS = [
  ['id', 'string'],
  ['created_at', 'timestamp'],
  ['content_type', 'string'],
  ['object_id', 'string'],
  ['content', 'json'],
  ['user_id', 'string'],
  ['user_repr', 'string'],
  ['url', 'string'],
  ['method', 'string'],
  ['ip', 'string'],
  ['request_id', 'string'],
  ['user_agent', 'string'],
  ['query_params', 'json'],
  ['post_data', 'json'],
  ['headers', 'json'],
  ['chain_id', 'string'],
  ['seq', 'int'],
  ['prev_hash', 'string'],
];

/** Nullable columns outside the hash layout: hashed only when they hold a value (old rows: never). */
export const AUDIT_MODEL_COLUMNS = ['tenant_id', 'actor_type', 'action', 'outcome', 'reason'];

/**
 * The hash of an event row given as JS values: `values.created_at` a Date, JSON columns as JS
 * values (null for SQL NULL), `seq` a number.
 */
export function specEventHash(values, { keyId, secret } = {}) {
  const canonical = (kind, v) => {
    if (v === null || v === undefined) return null;
    if (kind === 'json') return canonicalJson(v);
    if (kind === 'timestamp') return v.toISOString();
    return String(v);
  };
  const parts = [HASH_FORMAT, ...EVENT_COLUMNS.map(([name, kind]) => [name, canonical(kind, values[name])])];
  // Columns outside the layout count only when not null, sorted by name: the audit-model columns
  // (issue 17) and, for a keyed row, key_id (the link then an HMAC-SHA256).
  const others = AUDIT_MODEL_COLUMNS.filter((name) => values[name] !== null && values[name] !== undefined).map(
    (name) => [name, String(values[name])],
  );
  if (keyId !== undefined) others.push(['key_id', keyId]);
  parts.push(...others.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
  const text = JSON.stringify(parts);
  if (secret !== undefined) return createHmac('sha256', Buffer.from(secret, 'base64')).update(text).digest('hex');
  return createHash('sha256').update(text).digest('hex');
}

export { GENESIS_HASH };

/** Binds a JS row for a raw insert on `dialect`: SQLite stores times as ms, JSON as text everywhere. */
export function bindEventRow(values, dialect) {
  const row = {};
  for (const [name, kind] of EVENT_COLUMNS) {
    const v = values[name] ?? null;
    if (v === null) row[name] = null;
    else if (kind === 'json') row[name] = JSON.stringify(v);
    else if (kind === 'timestamp') row[name] = dialect === 'sqlite' ? v.getTime() : v;
    else row[name] = v;
  }
  for (const name of AUDIT_MODEL_COLUMNS) if (values[name] !== undefined) row[name] = values[name];
  row.hash = values.hash;
  return row;
}

/** The values specEventHash() takes for a saved event at a chain position. */
export function eventValues(event, chain) {
  return {
    id: event.id,
    created_at: event.createdAt,
    content_type: event.contentType,
    object_id: event.objectId,
    content: event.content,
    user_id: event.userId,
    user_repr: event.userRepr,
    url: event.url,
    method: event.method,
    ip: event.ip,
    request_id: event.requestId,
    user_agent: event.userAgent,
    query_params: event.queryParams,
    post_data: event.postData,
    headers: event.headers,
    ...auditModelValues(event),
    ...chain,
  };
}

/** The audit-model columns of a saved event, as the writer stores them. */
export function auditModelValues(event) {
  return {
    tenant_id: event.tenantId ?? null,
    actor_type: event.actorType,
    action: event.action ?? null,
    outcome: event.outcome,
    reason: event.reason ?? null,
  };
}
