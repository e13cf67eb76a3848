import type { Knex } from 'knex';
import { DEFAULT_CONNECT_TIMEOUT_MS } from './db-url.js';
import type { DatabaseTarget, Dialect } from './db-url.js';
import { MASKED } from '../output/redact.js';
import { describeUrl, encodeCredentials, passwordOfUrl } from './url-credentials.js';

/**
 * A Knex configuration written by the user (the config file's `knex` key), described for
 * messages with its password masked, and given connection timeouts where it sets none, so an
 * unreachable server fails in seconds instead of knex's default minute.
 */
export function targetFromKnexConfig(
  config: Knex.Config,
  connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS,
): DatabaseTarget {
  const client = typeof config.client === 'string' ? config.client : 'custom';
  const dialect = dialectOfClient(client);
  const secrets: string[] = [];
  const out: Knex.Config = { ...config };
  out.acquireConnectionTimeout ??= connectTimeoutMs + 1000;
  if (dialect === 'sqlite') out.useNullAsDefault ??= true;

  let display: string;
  const connection = config.connection;
  if (typeof connection === 'string') {
    secrets.push(...passwordOfUrl(connection));
    display = describeUrl(connection);
    out.connection = encodeCredentials(connection);
  } else if (connection !== null && typeof connection === 'object') {
    const c = { ...(connection as Record<string, unknown>) };
    if (typeof c.password === 'string' && c.password !== '') secrets.push(c.password);
    if (typeof c.connectionString === 'string') {
      secrets.push(...passwordOfUrl(c.connectionString));
      c.connectionString = encodeCredentials(c.connectionString);
    }
    if (dialect === 'postgres') c.connectionTimeoutMillis ??= connectTimeoutMs;
    if (dialect === 'mysql') c.connectTimeout ??= connectTimeoutMs;
    out.connection = c as Knex.StaticConnectionConfig;
    display = describeConnection(client, dialect, c);
  } else {
    display = `${client} (connection from a function)`;
  }
  return { dialect, knexConfig: out, display, secrets };
}

function dialectOfClient(client: string): Dialect | 'other' {
  if (client === 'sqlite3' || client === 'better-sqlite3' || client === 'sqlite') return 'sqlite';
  if (client === 'mysql' || client === 'mysql2') return 'mysql';
  if (client === 'pg' || client === 'postgres' || client === 'postgresql' || client === 'pg-native') return 'postgres';
  return 'other';
}

function describeConnection(client: string, dialect: Dialect | 'other', c: Record<string, unknown>): string {
  if (dialect === 'sqlite') return `sqlite:${String(c.filename)}`;
  if (typeof c.connectionString === 'string') return describeUrl(c.connectionString);
  const user = typeof c.user === 'string' ? c.user : '';
  const credentials = user || c.password ? `${user}${c.password ? `:${MASKED}` : ''}@` : '';
  const host =
    typeof c.socketPath === 'string'
      ? c.socketPath
      : `${String(c.host ?? 'localhost')}:${String(c.port ?? 'default port')}`;
  const database = c.database === undefined ? '' : String(c.database);
  return `${client}://${credentials}${host}/${database}`;
}
