import type { Knex } from 'knex';
import { rawRows, type DialectName } from '../sql/dialect.js';
import { quoteIdentifier } from '../sql/identifiers.js';
import type { ChainHead } from './verify-report.js';

/**
 * The newest row of every chain across `tables`. An operator records these somewhere the
 * database's writers cannot reach (a ticket, object storage with retention, a signed log) and
 * later passes them to verify({ expectedHeads }): the only way to notice that the newest rows of
 * a chain were deleted, since a chain cut short is otherwise consistent. Read the heads from a
 * verified database (verify() reports lastSeq/lastHash per chain too).
 */
export async function listChainHeads(
  knex: Knex,
  dialect: DialectName,
  tables: readonly string[],
): Promise<ChainHead[]> {
  const q = (name: string): string => quoteIdentifier(name, dialect);
  const heads = new Map<string, ChainHead>();
  for (const table of tables) {
    const rows = rawRows<{ chain_id: unknown; seq: unknown; hash: unknown }>(
      await knex.raw(
        `select t.${q('chain_id')}, t.${q('seq')}, t.${q('hash')} from ${q(table)} t ` +
          `inner join (select ${q('chain_id')}, max(${q('seq')}) as m from ${q(table)} ` +
          `where ${q('chain_id')} is not null group by ${q('chain_id')}) h ` +
          `on h.${q('chain_id')} = t.${q('chain_id')} and h.m = t.${q('seq')}`,
      ),
      dialect,
    );
    for (const row of rows) {
      const head = { chainId: String(row.chain_id), seq: Number(row.seq), hash: String(row.hash) };
      const known = heads.get(head.chainId);
      if (known === undefined || known.seq < head.seq) heads.set(head.chainId, head);
    }
  }
  return [...heads.values()].sort((a, b) => (a.chainId < b.chainId ? -1 : a.chainId > b.chainId ? 1 : 0));
}
