import type { DialectName } from '../sql/dialect.js';

/** SQLite result codes for a value or row the database will never take (constraint, type, size). */
const SQLITE_CONTENT = /^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG)/;

/**
 * Whether the database refused an INSERT for what a row contains — a constraint it violates, a
 * value too long or out of range, invalid JSON — so sending the same rows again cannot succeed:
 * SQLSTATE class 22 (data exception) or 23 (integrity constraint) on PostgreSQL and MySQL/MariaDB
 * (plus MySQL's `Incorrect string value`, reported as HY000), and SQLite's constraint, mismatch and
 * too-big codes from both drivers. A missing table or column, a lock or a lost connection are not:
 * they concern the whole batch and are retried. A unique violation is one only without a hash
 * chain: with one it means another writer took the positions, which the chain resolves itself.
 */
export function isRowContentError(err: unknown, dialect: DialectName, chained: boolean): boolean {
  if (err === null || typeof err !== 'object') return false;
  const e = err as { code?: unknown; errno?: unknown; sqlState?: unknown; severity?: unknown; message?: unknown };
  if (dialect === 'sqlite') {
    const code = String(e.code ?? '');
    if (!SQLITE_CONTENT.test(code)) return false;
    return (
      !chained || !(code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint failed/.test(String(e.message ?? '')))
    );
  }
  let state: string;
  if (dialect === 'mysql') {
    if (Number(e.errno) === 1366) return true;
    state = typeof e.sqlState === 'string' ? e.sqlState : '';
    if (chained && Number(e.errno) === 1062) return false;
  } else {
    // pg's server errors carry a severity; its own client-side errors do not.
    state = typeof e.severity === 'string' && typeof e.code === 'string' ? e.code : '';
    if (chained && state === '23505') return false;
  }
  return state.startsWith('22') || state.startsWith('23');
}
