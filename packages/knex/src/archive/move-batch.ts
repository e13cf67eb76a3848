import type { Knex } from 'knex';
import { rawRows, type DialectTraits } from '../sql/dialect.js';
import { quoteIdentifier } from '../sql/identifiers.js';
import { toDbTimestamp } from '../sql/values.js';

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
  if (dialect === 'postgres') return movePostgresBatch(trx, plan, cutoff, limit, archivedAt);
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
    throw new Error(
      `only ${Number(copied?.n)} of ${ids.length} events reached ${plan.archiveTableName}; batch rolled back`,
    );
  }
  const moved = await trx(plan.tableName).whereIn('id', ids).del();
  return { selected: ids.length, moved: Number(moved) };
}

/**
 * PostgreSQL does the same in one statement (data-modifying CTEs): pick and lock the batch, delete
 * it, copy it, and report which deleted ids were not copied now. No id list travels to the client
 * and back three times. Every step goes through an index whatever the planner's statistics say (a
 * freshly filled table has none): `= any(array(…))` makes the delete a primary-key lookup, and
 * `on conflict do nothing` finds ids the archive already holds through its primary key, where a
 * join planned from stale statistics scanned both whole tables once per batch.
 * A deleted id that was not copied must already be in the archive, or the batch rolls back (a
 * trigger skipping a row, say).
 */
async function movePostgresBatch(
  trx: Knex.Transaction,
  plan: ArchivePlan,
  cutoff: Date,
  limit: number,
  archivedAt: Date,
): Promise<{ selected: number; moved: number }> {
  const q = (name: string): string => quoteIdentifier(name, 'postgres');
  const live = q(plan.tableName);
  const archive = q(plan.archiveTableName);
  const columns = plan.columns.map(q);
  const id = q('id');
  const result = await trx.raw(
    `with picked as (select ${id} from ${live} where ${q('created_at')} < ? ` +
      `order by ${q('created_at')} limit ?${plan.traits.lockClause}), ` +
      `moved as (delete from ${live} where ${id} = any(array(select ${id} from picked)) ` +
      `returning ${columns.join(', ')}), ` +
      `copied as (insert into ${archive} (${columns.join(', ')}, ${q('archived_at')}) ` +
      `select ${columns.join(', ')}, ? from moved on conflict (${id}) do nothing returning ${id}) ` +
      `select (select count(*) from moved) as moved, ` +
      `array(select ${id}::text from moved except select ${id}::text from copied) as skipped`,
    [toDbTimestamp(cutoff, 'postgres'), limit, toDbTimestamp(archivedAt, 'postgres')],
  );
  const [counts] = rawRows<{ moved: unknown; skipped: unknown }>(result, 'postgres');
  const moved = Number(counts?.moved ?? 0);
  const skipped = Array.isArray(counts?.skipped) ? (counts.skipped as string[]) : [];
  if (skipped.length > 0) {
    const [present] = rawRows<{ n: unknown }>(
      await trx.raw(`select count(*) as n from ${archive} where ${id}::text = any(?)`, [skipped]),
      'postgres',
    );
    if (Number(present?.n) !== skipped.length) {
      throw new Error(
        `only ${moved - skipped.length + Number(present?.n)} of ${moved} events reached ${plan.archiveTableName}; batch rolled back`,
      );
    }
  }
  return { selected: moved, moved };
}
