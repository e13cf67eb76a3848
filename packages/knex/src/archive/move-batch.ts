import type { Knex } from 'knex';
import { quoteIdentifier, rawRows, toDbTimestamp, type DialectTraits } from '../sql/dialect.js';

/** What one archive run moves where: the columns both tables share, copied as they are. */
export interface ArchivePlan {
  traits: DialectTraits;
  tableName: string;
  archiveTableName: string;
  /** Columns of the event table that the archive table also has (archived_at excluded). */
  columns: readonly string[];
}

/**
 * Moves the `limit` oldest events created before `cutoff`, inside the transaction `trx`:
 *
 * 1. select their ids, oldest first, locking the rows where the server can (`FOR UPDATE SKIP
 *    LOCKED`: a concurrent archiver takes the next rows instead of the same ones). SQLite has no
 *    row locks; a no-op UPDATE first takes its database write lock, which serialises archivers
 *    and — in WAL mode — keeps the transaction from reading a snapshot it could not later write on;
 * 2. copy exactly those rows, skipping any id the archive already holds (a defence for rows left
 *    in both tables by some earlier tool; a crash of this one rolls the whole batch back);
 * 3. check that every one of them is now in the archive, then delete exactly those ids.
 *
 * Returns how many ids were selected (0: nothing left) and how many rows left the event table.
 * Memory holds one batch of ids, never the rows.
 */
export async function moveBatch(
  trx: Knex.Transaction,
  plan: ArchivePlan,
  cutoff: Date,
  limit: number,
  archivedAt: Date,
): Promise<{ selected: number; moved: number }> {
  const { traits } = plan;
  const dialect = traits.name;
  const live = quoteIdentifier(plan.tableName, dialect);
  const archive = quoteIdentifier(plan.archiveTableName, dialect);
  const q = (name: string): string => quoteIdentifier(name, dialect);

  if (dialect === 'sqlite') await trx.raw(`update ${live} set ${q('id')} = ${q('id')} where 0`);

  const selected = rawRows<{ id: unknown }>(
    await trx.raw(
      `select ${q('id')} from ${live} where ${q('created_at')} < ? order by ${q('created_at')}, ${q('id')} limit ?${traits.lockClause}`,
      [toDbTimestamp(cutoff, dialect), limit],
    ),
    dialect,
  );
  if (selected.length === 0) return { selected: 0, moved: 0 };
  const ids = selected.map((row) => String(row.id));
  const marks = ids.map(() => '?').join(', ');

  const columns = plan.columns.map(q);
  await trx.raw(
    `insert into ${archive} (${columns.join(', ')}, ${q('archived_at')}) ` +
      `select ${columns.map((c) => `src.${c}`).join(', ')}, ? from ${live} src ` +
      `where src.${q('id')} in (${marks}) ` +
      `and not exists (select 1 from ${archive} dst where dst.${q('id')} = src.${q('id')})`,
    [toDbTimestamp(archivedAt, dialect), ...ids],
  );
  // Before deleting, prove every selected id is in the archive: if anything kept a row from being
  // copied, the batch rolls back instead of losing it.
  const [copied] = rawRows<{ n: unknown }>(
    await trx.raw(`select count(*) as n from ${archive} where ${q('id')} in (${marks})`, ids),
    dialect,
  );
  if (Number(copied?.n) !== ids.length) {
    throw new Error(`only ${Number(copied?.n)} of ${ids.length} events reached ${plan.archiveTableName}; batch rolled back`);
  }
  const moved = await trx(plan.tableName).whereIn('id', ids).del();
  return { selected: ids.length, moved: Number(moved) };
}
