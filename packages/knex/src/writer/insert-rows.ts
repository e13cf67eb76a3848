import type { Knex } from 'knex';
import { type DialectName } from '../sql/dialect.js';
import { quoteIdentifier } from '../sql/identifiers.js';
import type { EventRow } from '../store/event-row.js';
import { driverInsert } from './driver-insert.js';
import { statementText } from './statement-texts.js';

export interface Statement {
  sql: string;
  bindings: unknown[];
}

export interface StatementLimits {
  /** Most placeholders per statement (the dialect's limit, or a lower configured one). */
  maxBindParameters: number;
  /** Budget for the bound strings of one statement, in UTF-16 code units. */
  maxStatementChars: number;
  /**
   * 'ignore' makes each INSERT skip rows whose id is already stored (ON CONFLICT (id) DO NOTHING
   * on PostgreSQL and SQLite, ON DUPLICATE KEY UPDATE id = id on MySQL, which unlike INSERT IGNORE
   * does not also turn bad values into warnings): for replays such as JetStream redeliveries.
   */
  onDuplicateId?: 'reject' | 'ignore';
  /** The uniquely indexed column `onDuplicateId` is about; default `id` (the permission log: `event_id`). */
  idColumn?: string;
  /**
   * Columns left out of a statement when every row in it has no value for them. Only columns
   * whose database default is NULL belong here (the store's own nullable ones and the extra
   * columns it created), so leaving them out stores exactly what binding NULL would. Most events
   * have no user, body, headers or chain: binding half the columns makes a batch ~20 % cheaper.
   */
  omitWhenNull?: ReadonlySet<string>;
}

/**
 * Splits rows into multi-row `INSERT … VALUES (…), (…)` statements, each within the bind-parameter
 * limit (rows per statement = limit ÷ columns) and the size budget; a row alone larger than the
 * budget still gets a statement of its own. Plain VALUES lists, not knex's SQLite
 * `select … union all select …`, which SQLite caps at 500 rows.
 */
export function planStatements(
  tableName: string,
  rows: readonly EventRow[],
  limits: StatementLimits,
  dialect: DialectName,
): Statement[] {
  const columns = columnsOf(rows, limits.omitWhenNull);
  const head =
    `insert into ${quoteIdentifier(tableName, dialect)} (` +
    columns.map((c) => quoteIdentifier(c, dialect)).join(', ') +
    ') values ';
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  const tail = limits.onDuplicateId === 'ignore' ? duplicateIdClause(dialect, limits.idColumn) : '';
  const rowsPerStatement = Math.max(1, Math.floor(limits.maxBindParameters / columns.length));

  const statements: Statement[] = [];
  let tuples = 0;
  let bindings: unknown[] = [];
  let size = 0;
  const emit = (): void => {
    if (tuples === 0) return;
    statements.push({ sql: statementText(head, tuple, tail, tuples), bindings });
    tuples = 0;
    bindings = [];
    size = 0;
  };
  // One row's values, reused: a batch binds thousands, and each row[column] is a keyed load.
  const values: unknown[] = new Array(columns.length);
  for (const row of rows) {
    let rowSize = 0;
    for (let i = 0; i < columns.length; i++) {
      const value = row[columns[i] as string];
      values[i] = value === undefined ? null : value;
      rowSize += typeof value === 'string' ? value.length : 8;
    }
    if (tuples >= rowsPerStatement || (tuples > 0 && size + rowSize > limits.maxStatementChars)) emit();
    tuples++;
    for (let i = 0; i < values.length; i++) bindings.push(values[i]);
    size += rowSize;
  }
  emit();
  return statements;
}

/** The suffix that turns a duplicate id into a skipped row instead of a failed statement. */
export function duplicateIdClause(dialect: DialectName, column = 'id'): string {
  const id = quoteIdentifier(column, dialect);
  return dialect === 'mysql' ? ` on duplicate key update ${id} = ${id}` : ` on conflict (${id}) do nothing`;
}

/** The union of the rows' keys, in first-seen order, without the omittable ones that hold no value. */
function columnsOf(rows: readonly EventRow[], omitWhenNull: ReadonlySet<string> | undefined): string[] {
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    for (const key of Object.keys(row)) {
      if (seen.has(key)) continue;
      const value = row[key];
      if (omitWhenNull !== undefined && (value === null || value === undefined) && omitWhenNull.has(key)) continue;
      seen.add(key);
      columns.push(key);
    }
  }
  return columns;
}

export interface InsertTarget {
  knex: Knex;
  timeoutMs: number;
  canCancelQueries: boolean;
}

/**
 * Runs the statements of one batch atomically: one statement needs no transaction (a single
 * INSERT is atomic and takes one pool connection for one round trip); several run in one
 * transaction on one connection, every statement through that transaction, so the batch never
 * waits for a second connection while holding the first (SQLite's pool has only one).
 */
export async function runStatements(target: InsertTarget, statements: readonly Statement[]): Promise<void> {
  // A statement past the write timeout is cancelled on the server (its callers were already told
  // "timed out"), so one stuck write cannot stall the writer forever. SQLite cannot cancel: there
  // the busy timeout bounds the wait, and a knex timeout would only hand the connection back
  // while the statement still runs on it.
  const bounded = (query: Knex.Raw): Knex.Raw =>
    target.canCancelQueries ? query.timeout(target.timeoutMs, { cancel: true }) : query;
  try {
    if (statements.length === 1) {
      const [only] = statements as [Statement];
      // Without a timeout to enforce, the statement skips knex's query builder (see driverInsert).
      const direct = target.canCancelQueries ? null : driverInsert(target.knex);
      await (direct !== null
        ? direct(only.sql, only.bindings)
        : bounded(target.knex.raw(only.sql, only.bindings as Knex.RawBinding[])));
      return;
    }
    await target.knex.transaction(async (trx) => {
      for (const statement of statements) {
        await bounded(trx.raw(statement.sql, statement.bindings as Knex.RawBinding[]));
      }
    });
  } catch (err) {
    throw withoutValues(err);
  }
}

const MAX_REASON = 1000;

/**
 * knex prefixes a driver error's message with the failed SQL and every bound value: for a batch,
 * megabytes of audit data (user ids, IPs, bodies) that would end up in the application's error
 * log. Keep the driver's own message (after the SQL, which ends with the last tuple's `)`); the
 * error keeps its code, errno and stack.
 */
export function withoutValues(err: unknown): unknown {
  if (!(err instanceof Error) || !err.message.startsWith('insert into ')) return err;
  // The SQL ends with the last tuple's `)`, or with the duplicate-id clause.
  let end = -1;
  for (const marker of [') - ', ' do nothing - ', ' = `id` - ', ' = `event_id` - ']) {
    const at = err.message.lastIndexOf(marker);
    if (at !== -1 && at + marker.length > end) end = at + marker.length;
  }
  const reason = end === -1 ? 'the INSERT failed' : err.message.slice(end);
  err.message = reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON)}…` : reason;
  return err;
}
