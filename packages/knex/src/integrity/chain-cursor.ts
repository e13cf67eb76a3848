import type { Knex } from 'knex';
import { rawRows, type DialectName } from '../sql/dialect.js';
import { quoteIdentifier } from '../sql/identifiers.js';
import type { TablePlan } from './table-plan.js';

export type ReadRow = Record<string, unknown>;

/**
 * The rows of one chain in one table, in seq order, a page at a time (keyset pagination on the
 * unique (chain_id, seq) index: every page is one index range read, however deep).
 */
export class ChainCursor {
  readonly #trx: Knex.Transaction;
  readonly #plan: TablePlan;
  readonly #dialect: DialectName;
  readonly #chainId: string;
  readonly #pageSize: number;
  #page: ReadRow[] = [];
  #at = 0;
  #after: unknown = undefined;
  #exhausted = false;

  constructor(
    trx: Knex.Transaction,
    plan: TablePlan,
    dialect: DialectName,
    chainId: string,
    pageSize: number,
    afterSeq?: number,
  ) {
    this.#after = afterSeq;
    this.#trx = trx;
    this.#plan = plan;
    this.#dialect = dialect;
    this.#chainId = chainId;
    this.#pageSize = pageSize;
  }

  /** The next row without consuming it; undefined at the end. */
  async peek(): Promise<ReadRow | undefined> {
    if (this.#at >= this.#page.length && !this.#exhausted) await this.#load();
    return this.#page[this.#at];
  }

  /** Consumes the row peek() returned. */
  advance(): void {
    this.#at++;
  }

  async #load(): Promise<void> {
    const q = (name: string): string => quoteIdentifier(name, this.#dialect);
    const bindings: unknown[] = [this.#chainId];
    let sql =
      `select ${this.#plan.select} from ${q(this.#plan.table)} ` +
      `where ${q('chain_id')} = ? and ${q('seq')} is not null`;
    if (this.#after !== undefined) {
      sql += ` and ${q('seq')} > ?`;
      bindings.push(this.#after);
    }
    sql += ` order by ${q('seq')} limit ?`;
    bindings.push(this.#pageSize);
    this.#page = rawRows<ReadRow>(await this.#trx.raw(sql, bindings as Knex.RawBinding[]), this.#dialect);
    this.#at = 0;
    if (this.#page.length < this.#pageSize) this.#exhausted = true;
    const last = this.#page[this.#page.length - 1];
    if (last !== undefined) this.#after = last['seq'];
  }
}

/** Merges the cursors of several tables by seq; equal seqs come out one after the other. */
export async function nextBySeq(
  cursors: readonly ChainCursor[],
): Promise<{ row: ReadRow; cursor: ChainCursor } | undefined> {
  let best: ChainCursor | undefined;
  let bestRow: ReadRow | undefined;
  for (const cursor of cursors) {
    const row = await cursor.peek();
    if (row === undefined) continue;
    if (bestRow === undefined || Number(row['seq']) < Number(bestRow['seq'])) {
      best = cursor;
      bestRow = row;
    }
  }
  if (best === undefined || bestRow === undefined) return undefined;
  best.advance();
  return { row: bestRow, cursor: best };
}
