import type { Knex } from 'knex';
import type { DialectTraits } from '../../sql/dialect.js';
import { ChainCursor, nextBySeq } from '../chain-cursor.js';
import { GENESIS_HASH } from '../row-digest.js';
import type { RowLayout } from '../row-layout.js';
import { planTable, type TablePlan } from '../table-plan.js';
import { canonicalOf, nextContentDigest } from '../verify-chains.js';

const PAGE = 1000;

/** Where a chain's running content digest is known: after `seq` rows it was `digest`. */
export interface ContentPosition {
  seq: number;
  digest: string;
}

export const CONTENT_GENESIS: ContentPosition = Object.freeze({ seq: 0, digest: GENESIS_HASH });

/** The table plans of a log (tables without chain columns are skipped). */
export async function plansOf(
  knex: Knex,
  traits: DialectTraits,
  tables: readonly string[],
  layout: RowLayout,
): Promise<TablePlan[]> {
  const plans: TablePlan[] = [];
  for (const table of tables) {
    const plan = await planTable(knex, traits.name, table, layout);
    if (plan !== null) plans.push(plan);
  }
  return plans;
}

/**
 * The chain's running content digest at `toSeq`, continued from `from` (the previous checkpoint's
 * head, so a checkpoint reads only the rows added since). Rows are read in seq order across the
 * live and archive tables inside one snapshot, the same canonical form verify() computes.
 */
export async function contentDigestAt(
  knex: Knex,
  traits: DialectTraits,
  plans: readonly TablePlan[],
  layout: RowLayout,
  chainId: string,
  from: ContentPosition,
  toSeq: number,
): Promise<string> {
  const read = async (trx: Knex.Transaction): Promise<string> => {
    const cursors = plans.map((plan) => new ChainCursor(trx, plan, traits.name, chainId, PAGE, from.seq));
    const planOf = new Map<ChainCursor, TablePlan>(cursors.map((c, i) => [c, plans[i] as TablePlan]));
    let digest = from.digest;
    for (;;) {
      const next = await nextBySeq(cursors);
      if (next === undefined || Number(next.row['seq']) > toSeq) break;
      digest = nextContentDigest(digest, canonicalOf(next.row, planOf.get(next.cursor) as TablePlan, layout, traits));
    }
    return digest;
  };
  return traits.name === 'sqlite'
    ? knex.transaction(read)
    : knex.transaction(read, { isolationLevel: 'repeatable read' });
}
