import { isAbsolute, resolve } from 'node:path';
import type { Knex } from 'knex';
import { ConfigurationError } from '@audit-events/core';
import { sqliteKnexConfig, type SqliteDriver } from '@audit-events/knex';
import { SQLITE_DRIVERS } from '@audit-events/knex/internal';
import { MASKED, maskUrlCredentials } from '../output/redact.js';
import { decodeLenient, splitUrl } from './url-credentials.js';

/**
 * Database URLs → Knex configurations. Forms:
 *   sqlite:./audit.db   sqlite:audit.db   sqlite:/abs/path.db   sqlite:///abs/path.db   sqlite::memory:
 *   mysql://user:pass@host:3306/db   mariadb://…   postgres://user:pass@host:5432/db   postgresql://…
 * Query parameters: `ssl=true|false` (MySQL, PostgreSQL), `sslmode=disable|require|no-verify|
 * verify-ca|verify-full` (PostgreSQL) and `driver=sqlite3|better-sqlite3` (SQLite, default sqlite3).
 * Anything else is rejected rather than silently ignored.
 */

export type Dialect = 'sqlite' | 'mysql' | 'postgres';

/** A database the CLI can open, and how to name it in messages without leaking its password. */
export interface DatabaseTarget {
  dialect: Dialect | 'other';
  knexConfig: Knex.Config;
  /** The URL with its password masked; for SQLite, `sqlite:` and the absolute file path. */
  display: string;
  /** Passwords to mask in everything printed. */
  secrets: string[];
}

export interface DatabaseUrlOptions {
  /** Relative `sqlite:` paths resolve against this. Default: process.cwd(). */
  baseDir?: string;
  /** Connection timeout in milliseconds (driver connect and pool acquire). Default: 5000. */
  connectTimeoutMs?: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

const DIALECT_OF_SCHEME: Readonly<Record<string, Dialect>> = {
  sqlite: 'sqlite',
  sqlite3: 'sqlite',
  mysql: 'mysql',
  mariadb: 'mysql',
  postgres: 'postgres',
  postgresql: 'postgres',
};

const DEFAULT_PORT: Readonly<Record<Exclude<Dialect, 'sqlite'>, number>> = { mysql: 3306, postgres: 5432 };

// Without a password in the URLs: the redactor would print them as user:****@.
const EXAMPLES =
  'sqlite:./audit.db, mysql://user@host:3306/db or postgres://user@host:5432/db (a password goes after the user: user:password@host)';

/** Any `scheme://user:password@` in `text`, with the password (up to the URL's last `@`) masked. */
export function maskDatabaseUrl(text: string): string {
  return maskUrlCredentials(text);
}

/** Parses a database URL; throws ConfigurationError (setting `db`) with the password masked. */
export function parseDatabaseUrl(url: string, options: DatabaseUrlOptions = {}): DatabaseTarget {
  const text = url.trim();
  const schemeMatch = /^([a-z][a-z0-9+.-]*):/i.exec(text);
  if (!schemeMatch?.[1]) {
    // Not echoed: text that is not a URL may still be a password pasted into the wrong place.
    throw new ConfigurationError('db', `the value given is not a database URL (no scheme); expected e.g. ${EXAMPLES}`);
  }
  const scheme = schemeMatch[1].toLowerCase();
  const dialect = DIALECT_OF_SCHEME[scheme];
  if (dialect === undefined) {
    throw new ConfigurationError(
      'db',
      `unknown database URL scheme "${scheme}:"; use sqlite:, mysql:, mariadb:, postgres: or postgresql:`,
    );
  }
  if (dialect === 'sqlite') return sqliteTarget(text.slice(schemeMatch[0].length), options);
  return networkTarget(text, scheme, dialect, options);
}

function sqliteTarget(url: string, options: DatabaseUrlOptions): DatabaseTarget {
  const query = url.indexOf('?');
  const rest = query === -1 ? url : url.slice(0, query);
  const driver = sqliteDriver(query === -1 ? '' : url.slice(query + 1), url);
  if (rest === ':memory:') {
    const base = sqliteKnexConfig(':memory:', { driver });
    // Every connection to :memory: is a separate, empty database: keep exactly one.
    return {
      dialect: 'sqlite',
      knexConfig: { ...base, pool: { ...(base.pool ?? {}), min: 1, max: 1 } },
      display: 'sqlite::memory:',
      secrets: [],
    };
  }
  // `sqlite:///abs` is the URL form of `/abs` (empty authority); `sqlite:rel` and `sqlite:./rel`
  // are relative to baseDir.
  const path = rest.startsWith('//') ? rest.slice(2) : rest;
  if (path === '') {
    throw new ConfigurationError('db', `a sqlite: URL needs a file path, e.g. sqlite:./audit.db (got "sqlite:${url}")`);
  }
  const filename = isAbsolute(path) ? path : resolve(options.baseDir ?? process.cwd(), path);
  return {
    dialect: 'sqlite',
    knexConfig: sqliteKnexConfig(filename, { driver }),
    display: `sqlite:${filename}`,
    secrets: [],
  };
}

/** `driver=` of a sqlite: URL (the only parameter it takes): which package knex loads. */
function sqliteDriver(search: string, url: string): SqliteDriver {
  const params = new URLSearchParams(search);
  for (const key of params.keys()) {
    if (key !== 'driver') {
      throw new ConfigurationError(
        'db',
        `unknown parameter "${key}" in "sqlite:${url}"; a sqlite: URL takes only driver=sqlite3|better-sqlite3`,
      );
    }
  }
  const driver = params.get('driver') ?? 'sqlite3';
  if (!(SQLITE_DRIVERS as readonly string[]).includes(driver)) {
    throw new ConfigurationError(
      'db',
      `driver=${driver} in "sqlite:${url}": use driver=sqlite3 or driver=better-sqlite3`,
    );
  }
  return driver as SqliteDriver;
}

function networkTarget(
  text: string,
  scheme: string,
  dialect: Exclude<Dialect, 'sqlite'>,
  options: DatabaseUrlOptions,
): DatabaseTarget {
  const split = splitUrl(text);
  // Messages name the URL by scheme and host only: never the text as typed, which may hold a
  // password the parser could not delimit.
  const label = split?.label ?? `${scheme}://…`;
  if (split === undefined) {
    throw new ConfigurationError('db', `malformed database URL (${label}): expected e.g. ${EXAMPLES}`);
  }
  const user = split.user === undefined ? '' : decodePart(split.user, 'user name', label);
  const password = split.password === undefined ? '' : decodePart(split.password, 'password', label);
  let parsed: URL;
  try {
    parsed = new URL(split.withoutCredentials);
  } catch {
    throw new ConfigurationError('db', `malformed database URL (${label}): expected e.g. ${EXAMPLES}`);
  }
  // URL keeps IPv6 brackets in hostname; drivers want the bare address.
  const host = decodePart(parsed.hostname, 'host', label).replace(/^\[(.*)\]$/, '$1') || 'localhost';
  const port = parsed.port === '' ? DEFAULT_PORT[dialect] : Number(parsed.port);
  const database = decodePart(parsed.pathname.replace(/^\//, ''), 'database name', label);
  if (database.includes('/')) {
    throw new ConfigurationError('db', `${label}: the path must be just a database name`);
  }
  if (dialect === 'mysql' && database === '') {
    throw new ConfigurationError('db', `${label} names no database; use ${scheme}://user@host:3306/<database>`);
  }
  const timeout = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const ssl = sslOption(parsed.searchParams, dialect, label);

  const hostPart = host.includes(':') ? `[${host}]` : host;
  const credentials = user || password ? `${user}${password ? `:${MASKED}` : ''}@` : '';
  const display = `${scheme}://${credentials}${hostPart}:${port}/${database}`;

  const connection: Record<string, unknown> = { host, port };
  if (user) connection.user = user;
  if (password) connection.password = password;
  if (database) connection.database = database;
  if (ssl !== undefined) connection.ssl = ssl;
  if (dialect === 'mysql') {
    connection.connectTimeout = timeout;
    // A host that is a path is a Unix socket (mysql://user@%2Frun%2Fmysqld%2Fmysqld.sock/db).
    if (host.startsWith('/')) connection.socketPath = host;
  } else {
    connection.connectionTimeoutMillis = timeout;
  }
  return {
    dialect,
    knexConfig: {
      client: dialect === 'mysql' ? 'mysql2' : 'pg',
      connection: connection as Knex.StaticConnectionConfig,
      pool: { min: 0, max: 4 },
      // Slightly longer than the driver's own timeout, so the driver's clearer error wins.
      acquireConnectionTimeout: timeout + 1000,
    },
    display,
    // The typed form too: a driver or a later message may echo it rather than the decoded one.
    secrets: password ? [...new Set([password, split.password as string])] : [],
  };
}

function decodePart(value: string, what: string, label: string): string {
  const decoded = decodeLenient(value);
  if (decoded === undefined) throw new ConfigurationError('db', `${label}: the ${what} has a malformed %-escape`);
  return decoded;
}

type SslOption = false | { rejectUnauthorized: boolean };

function sslOption(params: URLSearchParams, dialect: Exclude<Dialect, 'sqlite'>, label: string): SslOption | undefined {
  let ssl: SslOption | undefined;
  for (const [key, value] of params) {
    if (key === 'ssl') {
      if (value === 'true' || value === '1') ssl = { rejectUnauthorized: true };
      else if (value === 'false' || value === '0') ssl = false;
      else throw new ConfigurationError('db', `${label}: ssl must be true or false, not "${value}"`);
    } else if (key === 'sslmode' && dialect === 'postgres') {
      ssl = sslMode(value, label);
    } else {
      const supported = dialect === 'postgres' ? 'ssl, sslmode' : 'ssl';
      throw new ConfigurationError('db', `${label}: unsupported URL parameter "${key}" (supported: ${supported})`);
    }
  }
  return ssl;
}

function sslMode(value: string, label: string): SslOption {
  switch (value) {
    case 'disable':
      return false;
    // libpq's `require` encrypts without verifying the certificate.
    case 'require':
    case 'no-verify':
      return { rejectUnauthorized: false };
    case 'verify-ca':
    case 'verify-full':
      return { rejectUnauthorized: true };
    default:
      // `allow`/`prefer` fall back to plain text on failure; node-postgres cannot, so say so.
      throw new ConfigurationError(
        'db',
        `${label}: sslmode must be disable, require, no-verify, verify-ca or verify-full, not "${value}"`,
      );
  }
}
