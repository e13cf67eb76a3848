import type { Knex } from 'knex';
import { ExportError, type AuditEvent, type ExportQuery, type NormalizedExportQuery } from '@audit-events/core';
import { compareOldestFirst, normalizeExportQuery } from '@audit-events/core/internal';
import { type DialectTraits } from '../sql/dialect.js';
import { fromDbTimestamp, toDbTimestamp } from '../sql/values.js';
import { bigintAlias, rowToEvent, type EventRow, type RowContext } from './event-row.js';
import { applyEventFilters } from './event-filters.js';

/** What an export reads from: the store's tables and row mapping, the dialect probed lazily. */
export interface ExportSource {
  knex: Knex;
  tableName: string;
  archiveTableName: string;
  rows: RowContext;
  traits: () => Promise<DialectTraits>;
}

interface Keyed {
  row: EventRow;
  createdAt: Date;
  id: string;
}

/**
 * Every matching event, oldest first, in pages of `pageSize` read with keyset pagination on
 * (created_at, id): each page starts strictly after the last event handed out, so a page costs
 * the same however deep the export is, and memory holds one page (two with the archive).
 *
 * With `includeArchive`, each page reads the live table FIRST and then the archive table, both
 * from the same position, and hands out the merge up to the smaller of the two pages' last keys
 * (whatever lies beyond may still be missing from the page that stopped short). Because the
 * archiver moves a row in one transaction (copy, then delete), a row that was live when the live
 * table was read is in the archive when the archive is read later, so a row moved during the
 * export is never missed; one seen in both reads is handed out once (keys strictly increase).
 * Events written during the export appear when their (created_at, id) lies after the position
 * the export has reached; `until` bounds it.
 *
 * The query is validated when export() is called, before any SQL (InvalidQueryError).
 */
export function exportEvents(source: ExportSource, query: ExportQuery | undefined): AsyncIterableIterator<AuditEvent> {
  const q = normalizeExportQuery(query);
  return pages(source, q);
}

async function* pages(source: ExportSource, q: NormalizedExportQuery): AsyncGenerator<AuditEvent, void, undefined> {
  const traits = await source.traits();
  let after: Keyed | undefined;
  for (;;) {
    const live = await readPage(source, source.tableName, q, traits, after);
    const before = after;
    let page = live;
    let bound: Keyed | undefined = live.length === q.pageSize ? live[live.length - 1] : undefined;
    if (q.includeArchive) {
      const archived = await readPage(source, source.archiveTableName, q, traits, after);
      const archiveLast = archived.length === q.pageSize ? archived[archived.length - 1] : undefined;
      if (archiveLast !== undefined && (bound === undefined || compareOldestFirst(archiveLast, bound) < 0))
        bound = archiveLast;
      page = merge(live, archived, bound);
    }
    for (const keyed of page) {
      // Keys strictly increase: a row read twice (moved between the reads) is handed out once.
      if (after !== undefined && compareOldestFirst(keyed, after) <= 0) continue;
      after = keyed;
      yield rowToEvent(keyed.row, source.rows, traits);
    }
    if (bound === undefined) return;
    if (after === before) {
      // A full page and nothing after the position: only rows this store did not write (a
      // created_at the driver does not give back exactly) get here; reading on would loop.
      throw new ExportError(`the export stopped advancing at ${bound.createdAt.toISOString()} ${bound.id}`);
    }
  }
}

/** Both pages in order, one entry per id, up to and including `bound` when there is one. */
function merge(live: Keyed[], archived: Keyed[], bound: Keyed | undefined): Keyed[] {
  const out: Keyed[] = [];
  let i = 0;
  let j = 0;
  while (i < live.length || j < archived.length) {
    const a = live[i];
    const b = archived[j];
    let next: Keyed;
    if (b === undefined || (a !== undefined && compareOldestFirst(a, b) <= 0)) {
      next = a as Keyed;
      i++;
      if (b !== undefined && compareOldestFirst(next, b) === 0) j++;
    } else {
      next = b;
      j++;
    }
    if (bound !== undefined && compareOldestFirst(next, bound) > 0) break;
    out.push(next);
  }
  return out;
}

async function readPage(
  source: ExportSource,
  table: string,
  q: NormalizedExportQuery,
  traits: DialectTraits,
  after: Keyed | undefined,
): Promise<Keyed[]> {
  const { knex, rows: ctx } = source;
  const builder = knex(table).select('*');
  // node-sqlite3 and mysql2 round 64-bit integers to doubles: a text copy keeps bigint extra columns exact.
  if (traits.name !== 'postgres') {
    ctx.extraColumns.forEach((column, i) => {
      if (column.type === 'bigint') {
        builder.select(
          knex.raw(`cast(?? as ${traits.name === 'mysql' ? 'char' : 'text'}) as ??`, [column.name, bigintAlias(i)]),
        );
      }
    });
  }
  applyEventFilters(builder, q.filters, traits);
  if (after !== undefined) {
    const time = toDbTimestamp(after.createdAt, traits.name);
    // `>=` first: a range on the created_at index, then the tie on the same millisecond by id.
    builder.where('created_at', '>=', time).andWhere((b) => {
      b.where('created_at', '>', time).orWhere('id', '>', after.id);
    });
  }
  builder.orderBy([
    { column: 'created_at', order: 'asc' },
    { column: 'id', order: 'asc' },
  ]);
  const found = (await builder.limit(q.pageSize)) as EventRow[];
  return found.map((row) => ({ row, createdAt: fromDbTimestamp(row.created_at), id: String(row.id) }));
}
