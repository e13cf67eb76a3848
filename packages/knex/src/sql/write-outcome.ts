import type { DialectName } from './dialect.js';

const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Whether a failed write is known NOT to have committed. Only then may the store tell its callers
 * "not stored". Known: the server answered with an error (the statement, or the transaction's
 * COMMIT, failed and rolled back), no connection could be had (acquire timeout, refused, unknown
 * host), or SQLite (in-process: no answer can be lost). Everything else — a connection reset
 * or closed while the INSERT or COMMIT was on the wire, a query timeout — may have committed
 * with its acknowledgement lost, so the outcome is unknown.
 */
export function failedBeforeCommit(err: unknown, dialect: DialectName): boolean {
  if (dialect === 'sqlite') return true;
  if (err === null || typeof err !== 'object') return false;
  const e = err as {
    name?: unknown;
    message?: unknown;
    code?: unknown;
    syscall?: unknown;
    sqlState?: unknown;
    severity?: unknown;
  };
  if (e.name === 'KnexTimeoutError' && /acquiring a connection/i.test(String(e.message))) return true;
  if (CONNECT_FAILURES.has(String(e.code)) && (e.syscall === 'connect' || e.syscall === 'getaddrinfo')) return true;
  // An error packet from the server: mysql2 gives it a SQLSTATE, pg a severity.
  if (dialect === 'mysql') return typeof e.sqlState === 'string' && e.sqlState.length === 5;
  return typeof e.severity === 'string' && typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code);
}

/**
 * Errors a retry can cure: deadlocks, lock timeouts, serialization failures, SQLite's busy
 * database, and unique violations from a concurrent run that archived the same row first.
 */
export function isTransientError(err: unknown, dialect: DialectName): boolean {
  const e = err as { code?: unknown; errno?: unknown; message?: unknown } | null;
  if (!e) return false;
  const code = String(e.code ?? '');
  if (dialect === 'postgres') return ['40001', '40P01', '55P03', '23505'].includes(code);
  if (dialect === 'mysql') return [1213, 1205, 1062].includes(Number(e.errno));
  // better-sqlite3 reports extended result codes (SQLITE_BUSY_SNAPSHOT), node-sqlite3 primary ones.
  return /^SQLITE_(BUSY|LOCKED)(_|$)/.test(code) || /UNIQUE constraint failed/.test(String(e.message ?? ''));
}
