import type { Knex } from 'knex';
import { rawRows, type DialectName } from '../../sql/dialect.js';
import { quoteIdentifier } from '../../sql/identifiers.js';
import { columnNames } from '../../schema/ensure-schema.js';
import type { CheckpointHead } from './checkpoint-file.js';

function timeText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value)))
    return new Date(Number(value)).toISOString();
  return String(value);
}

/**
 * The newest row of every chain across `tables` (live then archive) with its key id and time:
 * what a checkpoint records.
 */
export async function checkpointHeads(
  knex: Knex,
  dialect: DialectName,
  tables: readonly string[],
): Promise<CheckpointHead[]> {
  const q = (name: string): string => quoteIdentifier(name, dialect);
  const heads = new Map<string, CheckpointHead>();
  for (const table of tables) {
    const columns = await columnNames(knex, table);
    if (!columns.has('chain_id')) continue;
    const keyId = columns.has('key_id') ? `t.${q('key_id')}` : 'null';
    const rows = rawRows<{ chain_id: unknown; seq: unknown; hash: unknown; key_id: unknown; created_at: unknown }>(
      await knex.raw(
        `select t.${q('chain_id')}, t.${q('seq')}, t.${q('hash')}, ${keyId} as ${q('key_id')}, t.${q('created_at')} from ${q(table)} t ` +
          `inner join (select ${q('chain_id')}, max(${q('seq')}) as m from ${q(table)} ` +
          `where ${q('chain_id')} is not null group by ${q('chain_id')}) h ` +
          `on h.${q('chain_id')} = t.${q('chain_id')} and h.m = t.${q('seq')}`,
      ),
      dialect,
    );
    for (const row of rows) {
      const head: CheckpointHead = {
        chainId: String(row.chain_id),
        seq: Number(row.seq),
        hash: String(row.hash),
        keyId: row.key_id === null || row.key_id === undefined ? null : String(row.key_id),
        time: timeText(row.created_at),
      };
      const known = heads.get(head.chainId);
      if (known === undefined || known.seq < head.seq) heads.set(head.chainId, head);
    }
  }
  return [...heads.values()].sort((a, b) => (a.chainId < b.chainId ? -1 : a.chainId > b.chainId ? 1 : 0));
}
