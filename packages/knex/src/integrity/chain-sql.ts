import type { Knex } from 'knex';
import { rawRows, type DialectName } from '../sql/dialect.js';
import { quoteIdentifier } from '../sql/identifiers.js';
import type { ChainPosition } from './stamp-rows.js';

/**
 * The last row of a chain across `tables` (live and archive: an idle writer's whole chain may
 * have been archived), found through the unique (chain_id, seq) index: one short read per table.
 */
export async function readChainHead(
  knex: Knex | Knex.Transaction,
  dialect: DialectName,
  tables: readonly string[],
  chainId: string,
): Promise<ChainPosition | null> {
  let head: ChainPosition | null = null;
  const q = (name: string): string => quoteIdentifier(name, dialect);
  for (const table of tables) {
    const [row] = rawRows<{ seq: unknown; hash: unknown }>(
      await knex.raw(
        `select ${q('seq')}, ${q('hash')} from ${q(table)} where ${q('chain_id')} = ? and ${q('seq')} is not null ` +
          `order by ${q('seq')} desc limit 1`,
        [chainId],
      ),
      dialect,
    );
    if (row === undefined) continue;
    const seq = Number(row.seq);
    if (head === null || seq > head.seq) head = { seq, hash: String(row.hash) };
  }
  return head;
}

/** A unique-index violation (PostgreSQL 23505, MySQL 1062, SQLite's UNIQUE constraint). */
export function isUniqueViolation(err: unknown, dialect: DialectName): boolean {
  const e = err as { code?: unknown; errno?: unknown; message?: unknown } | null;
  if (!e) return false;
  if (dialect === 'postgres') return e.code === '23505';
  if (dialect === 'mysql') return Number(e.errno) === 1062;
  return /UNIQUE constraint failed/.test(String(e.message ?? ''));
}
