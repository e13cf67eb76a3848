// Over 300 lines on purpose: one pass over every chain of a table (paged reads, per-chain state,
// keyed and unkeyed digests, the report) shares its running state; splitting it would pass that
// state between files.
import type { KeyObject } from 'node:crypto';
import type { Knex } from 'knex';
import { AbortedError, ConfigurationError } from '@audit-events/core';
import { rawRows, type DialectTraits } from '../sql/dialect.js';
import { quoteIdentifier } from '../sql/identifiers.js';
import { canonicalRead, type ValueKind } from './canonical-value.js';
import { firstDuplicateKey } from './duplicate-keys.js';
import { ChainCursor, nextBySeq, type ReadRow } from './chain-cursor.js';
import { canonicalRow, digest, GENESIS_HASH, keyedDigest } from './row-digest.js';
import { checkKeyId } from './keys/chain-key.js';
import { checkProvider, Keyring } from './keys/keyring.js';
import type { RowLayout } from './row-layout.js';
import { planTable, type TablePlan } from './table-plan.js';
import type { ChainHead, ChainVerification, IntegrityFailure, VerifyOptions, VerifyReport } from './verify-report.js';

export const DEFAULT_VERIFY_PAGE_SIZE = 1000;
const HEX64 = /^[0-9a-f]{64}$/;

/** The tables of one kind (live first, then archive) and how their rows are hashed. */
export interface VerifyTarget {
  knex: Knex;
  traits: DialectTraits;
  /** Existing tables only. */
  tables: readonly string[];
  layout: RowLayout;
}

interface CheckedOptions {
  pageSize: number;
  expected: Map<string, ChainHead>;
  /** Every recorded head by chain and seq (several checkpoints pin several positions). */
  pins: Map<string, Map<number, ChainHead>>;
  /** Keys to check keyed rows with; null: keyed rows fail as `unknown-key`. */
  keys: Keyring | null;
  /** Keys given, yet rows hashed without a key pass (chains from before keys were used). */
  allowUnkeyed: boolean;
  /** expectedHeads was given: rows no head vouches for are counted (and fail when strict). */
  checkpoint: boolean;
  strict: boolean;
  allowUnchainedRows: boolean;
}

function checkOptions(options: VerifyOptions): CheckedOptions {
  if (options === null || typeof options !== 'object') throw new ConfigurationError('options', 'must be an object');
  const pageSize = options.pageSize ?? DEFAULT_VERIFY_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100_000) {
    throw new ConfigurationError('pageSize', `must be an integer from 1 to 100000, got ${String(pageSize)}`);
  }
  if (options.onChain !== undefined && typeof options.onChain !== 'function') {
    throw new ConfigurationError('onChain', 'must be a function');
  }
  for (const flag of ['strict', 'allowUnchainedRows', 'allowUnkeyed'] as const) {
    if (options[flag] !== undefined && typeof options[flag] !== 'boolean')
      throw new ConfigurationError(flag, 'must be a boolean');
  }
  if (options.strict === true && options.expectedHeads === undefined) {
    throw new ConfigurationError('strict', 'needs expectedHeads: strict fails rows no recorded head covers');
  }
  const expected = new Map<string, ChainHead>();
  const pins = new Map<string, Map<number, ChainHead>>();
  const heads = options.expectedHeads ?? [];
  if (!Array.isArray(heads))
    throw new ConfigurationError('expectedHeads', 'must be an array of { chainId, seq, hash }');
  heads.forEach((head: unknown, i) => {
    const h = head as Partial<ChainHead> | null;
    if (
      h === null ||
      typeof h !== 'object' ||
      typeof h.chainId !== 'string' ||
      !Number.isSafeInteger(h.seq) ||
      (h.seq as number) < 1 ||
      typeof h.hash !== 'string' ||
      !HEX64.test(h.hash)
    ) {
      throw new ConfigurationError(
        `expectedHeads[${i}]`,
        'must be { chainId: string, seq: integer >= 1, hash: 64 hex digits }',
      );
    }
    if (h.keyId !== undefined && h.keyId !== null) checkKeyId(h.keyId, `expectedHeads[${i}].keyId`);
    if (h.contentDigest !== undefined && (typeof h.contentDigest !== 'string' || !HEX64.test(h.contentDigest))) {
      throw new ConfigurationError(`expectedHeads[${i}].contentDigest`, 'must be 64 hex digits');
    }
    const atSeq = pins.get(h.chainId) ?? new Map<number, ChainHead>();
    const pinned = atSeq.get(h.seq as number);
    if (pinned !== undefined && (pinned.hash !== h.hash || (pinned.keyId ?? null) !== (h.keyId ?? null))) {
      throw new ConfigurationError(
        `expectedHeads[${i}]`,
        `contradicts another recorded head of chain ${h.chainId} at seq ${h.seq}`,
      );
    }
    atSeq.set(h.seq as number, h as ChainHead);
    pins.set(h.chainId, atSeq);
    const known = expected.get(h.chainId);
    if (known === undefined || known.seq < (h.seq as number)) expected.set(h.chainId, h as ChainHead);
  });
  return {
    pageSize,
    expected,
    pins,
    keys: options.keys === undefined ? null : new Keyring(checkProvider(options.keys, 'keys')),
    allowUnkeyed: options.allowUnkeyed === true,
    checkpoint: options.expectedHeads !== undefined,
    strict: options.strict === true,
    allowUnchainedRows: options.allowUnchainedRows === true,
  };
}

/**
 * Walks every chain found in the target's tables and checks each row in seq order: position,
 * link to the previous row, and hash of its content. Memory holds the chain ids and about one
 * page of rows per table, whatever the table size. Each chain is read inside one transaction
 * (a snapshot on PostgreSQL and MySQL), so an archive run moving rows from the live to the
 * archive table meanwhile cannot make a row seem missing or doubled.
 */
export async function verifyChains(target: VerifyTarget, options: VerifyOptions = {}): Promise<VerifyReport> {
  const checked = checkOptions(options);
  const { expected } = checked;
  const { knex, traits } = target;
  const dialect = traits.name;
  const q = (name: string): string => quoteIdentifier(name, dialect);
  const plans: TablePlan[] = [];
  let unchainedRows = 0;
  for (const table of target.tables) {
    const plan = await planTable(knex, dialect, table, target.layout);
    if (plan !== null) {
      plans.push(plan);
      continue;
    }
    // A table without chain columns: every row is unchained.
    const [count] = rawRows<{ n: unknown }>(await knex.raw(`select count(*) as n from ${q(table)}`), dialect);
    unchainedRows += Number(count?.n ?? 0);
  }

  const chainIds = new Set<string>(expected.keys());
  /** Rows that name a chain but have no position: they cannot be linked into it. */
  const unpositioned = new Map<string, number>();
  for (const { table } of plans) {
    const [count] = rawRows<{ n: unknown }>(
      await knex.raw(`select count(*) as n from ${q(table)} where ${q('chain_id')} is null`),
      dialect,
    );
    unchainedRows += Number(count?.n ?? 0);
    const ids = rawRows<{ chain_id: unknown }>(
      await knex.raw(`select distinct ${q('chain_id')} from ${q(table)} where ${q('chain_id')} is not null`),
      dialect,
    );
    for (const row of ids) chainIds.add(String(row.chain_id));
    const loose = rawRows<{ chain_id: unknown; n: unknown }>(
      await knex.raw(
        `select ${q('chain_id')}, count(*) as n from ${q(table)} where ${q('chain_id')} is not null and ${q('seq')} is null group by ${q('chain_id')}`,
      ),
      dialect,
    );
    for (const row of loose)
      unpositioned.set(String(row.chain_id), (unpositioned.get(String(row.chain_id)) ?? 0) + Number(row.n));
  }

  const chains: ChainVerification[] = [];
  for (const chainId of [...chainIds].sort()) {
    if (options.signal?.aborted) throw new AbortedError(`Verification aborted after ${chains.length} chain(s)`);
    const result = await verifyChain(target, plans, chainId, checked, unpositioned.get(chainId) ?? 0, options.signal);
    chains.push(result);
    options.onChain?.(result);
  }
  const validChains = chains.filter((c) => c.valid).length;
  // Tables that hold chains were written with integrity: a row outside every chain went around it.
  const unchainedRowsFail = unchainedRows > 0 && chainIds.size > 0 && !checked.allowUnchainedRows;
  return {
    tables: [...target.tables],
    chains,
    validChains,
    totalChains: chains.length,
    chainedRows: chains.reduce((sum, c) => sum + c.rows, 0),
    unchainedRows,
    unchainedRowsFail,
    uncoveredRows: chains.reduce((sum, c) => sum + (c.uncoveredRows ?? 0), 0),
    uncoveredChains: chains.filter((c) => (c.uncoveredRows ?? 0) > 0).length,
    valid: validChains === chains.length && !unchainedRowsFail,
  };
}

async function verifyChain(
  target: VerifyTarget,
  plans: readonly TablePlan[],
  chainId: string,
  checked: CheckedOptions,
  unpositioned: number,
  signal: AbortSignal | undefined,
): Promise<ChainVerification> {
  const { knex, traits, layout } = target;
  const { pageSize } = checked;
  const expectedHead = checked.expected.get(chainId);
  const read = async (trx: Knex.Transaction): Promise<ChainVerification> => {
    const cursors = plans.map((plan) => new ChainCursor(trx, plan, traits.name, chainId, pageSize));
    const planOf = new Map<ChainCursor, TablePlan>(cursors.map((c, i) => [c, plans[i] as TablePlan]));
    let rows = unpositioned;
    let prevSeq = 0;
    let prevHash = GENESIS_HASH;
    let lastHash: string | null = null;
    let lastSeq: number | null = null;
    let uncovered = 0;
    let lastKeyId: string | null = null;
    /** A keyed row was seen: from then on every row must be keyed (no silent downgrade). */
    let keyed = false;
    const keyIds = new Set<string>();
    const pins = checked.pins.get(chainId);
    // Checkpoints that record content digests vouch for the rows up to their heads: keyed rows
    // are then checked without their keys (an auditor with only the checkpoints' public key).
    const tracksContent = pins !== undefined && [...pins.values()].some((p) => p.contentDigest !== undefined);
    const keyless = checked.keys === null && tracksContent;
    let content = GENESIS_HASH;
    let failure: Failure | null = unpositioned > 0 ? { reason: 'broken-link' } : null;
    for (;;) {
      if (signal?.aborted) throw new AbortedError(`Verification aborted in chain ${chainId}`);
      const found = await nextRow(cursors, planOf);
      if (found === undefined) break;
      const { row, plan } = found;
      rows++;
      const seq = Number(row['seq']);
      const hash = row['hash'] === null || row['hash'] === undefined ? null : String(row['hash']);
      const keyId = row['key_id'] === null || row['key_id'] === undefined ? null : String(row['key_id']);
      if (failure === null) {
        failure = checkRow(row, plan, seq, hash, prevSeq, prevHash, layout, traits, { keyId, keyed, checked, keyless });
      }
      if (tracksContent) content = nextContentDigest(content, canonicalOf(row, plan, layout, traits));
      const pin = pins?.get(seq);
      if (
        failure === null &&
        pin !== undefined &&
        (hash !== pin.hash ||
          (pin.keyId !== undefined && pin.keyId !== keyId) ||
          (pin.contentDigest !== undefined && pin.contentDigest !== content))
      ) {
        failure = { reason: 'head-mismatch', seq };
      }
      if (keyId !== null) {
        keyed = true;
        keyIds.add(keyId);
      }
      lastKeyId = keyId;
      if (checked.checkpoint && (expectedHead === undefined || seq > expectedHead.seq)) uncovered++;
      prevSeq = seq;
      prevHash = hash ?? '';
      lastSeq = seq;
      lastHash = hash;
    }
    if (failure === null && expectedHead !== undefined && (lastSeq ?? 0) < expectedHead.seq) {
      failure = { reason: 'missing-tail', seq: (lastSeq ?? 0) + 1 };
    }
    if (failure === null && checked.strict && uncovered > 0) {
      failure = { reason: 'uncovered', seq: expectedHead === undefined ? 1 : expectedHead.seq + 1 };
    }
    const result: ChainVerification = { chainId, rows, valid: failure === null, lastSeq, lastHash };
    // Only for keyed chains: the report of an unkeyed chain keeps its shape.
    if (keyIds.size > 0) {
      result.lastKeyId = lastKeyId;
      result.keyIds = [...keyIds].sort();
    }
    if (failure !== null) {
      if (failure.keyId !== undefined) result.keyId = failure.keyId;
      result.reason = failure.reason;
      if (failure.seq !== undefined) result.firstBadSeq = failure.seq;
      if (failure.duplicateKey !== undefined) result.duplicateKey = failure.duplicateKey;
    }
    if (checked.checkpoint) {
      result.uncoveredRows = uncovered;
      result.notInCheckpoint = expectedHead === undefined;
    }
    return result;
  };
  // SQLite's transaction is a snapshot already (and ignores isolation levels with a warning).
  return traits.name === 'sqlite'
    ? knex.transaction(read)
    : knex.transaction(read, { isolationLevel: 'repeatable read' });
}

async function nextRow(
  cursors: readonly ChainCursor[],
  planOf: ReadonlyMap<ChainCursor, TablePlan>,
): Promise<{ row: ReadRow; plan: TablePlan } | undefined> {
  const picked = await nextBySeq(cursors);
  if (picked === undefined) return undefined;
  return { row: picked.row, plan: planOf.get(picked.cursor) as TablePlan };
}

interface Failure {
  reason: IntegrityFailure;
  seq?: number;
  duplicateKey?: { column: string; key: string };
  keyId?: string;
}

interface KeyContext {
  /** The row's key_id, null when unkeyed. */
  keyId: string | null;
  /** An earlier row of the chain was keyed. */
  keyed: boolean;
  checked: CheckedOptions;
  /** No keys, but checkpoint content digests: a keyed row's HMAC is left to them. */
  keyless: boolean;
}

/** The first thing wrong with `row` given the row before it, or null. */
function checkRow(
  row: ReadRow,
  plan: TablePlan,
  seq: number,
  hash: string | null,
  prevSeq: number,
  prevHash: string,
  layout: RowLayout,
  traits: DialectTraits,
  keying: KeyContext,
): Failure | null {
  if (seq <= prevSeq) return { reason: 'duplicate-seq', seq };
  if (seq > prevSeq + 1) return { reason: 'seq-gap', seq: prevSeq + 1 };
  const link = row['prev_hash'];
  if (link === null || link === undefined || String(link) !== prevHash) return { reason: 'broken-link', seq };
  const { keyId, keyed, checked, keyless } = keying;
  let secret: KeyObject | null = null;
  if (keyId !== null) {
    const key = checked.keys?.verifyingKey(keyId);
    if (key === undefined && !keyless) return { reason: 'unknown-key', seq, keyId };
    if (key === undefined) return duplicateFailure(row, plan, layout, seq);
    secret = key.secret;
  } else if (keyed || (checked.keys !== null && !checked.allowUnkeyed)) {
    // Anyone can compute a plain SHA-256: an unkeyed row where keys are in use proves nothing.
    return { reason: 'unkeyed-row', seq };
  }
  if (hash === null || recompute(row, plan, layout, traits, secret) !== hash) return { reason: 'hash-mismatch', seq };
  return duplicateFailure(row, plan, layout, seq);
}

function duplicateFailure(row: ReadRow, plan: TablePlan, layout: RowLayout, seq: number): Failure | null {
  const duplicate = duplicateKeyIn(row, plan, layout);
  if (duplicate !== undefined) return { reason: 'duplicate-key', seq, duplicateKey: duplicate };
  return null;
}

/**
 * A key twice in one object of a JSON column stored as text (SQLite, MariaDB); jsonb and
 * MySQL's JSON type keep one value per key, and a driver that parsed the value has none left.
 */
function duplicateKeyIn(row: ReadRow, plan: TablePlan, layout: RowLayout): { column: string; key: string } | undefined {
  const jsonColumns = [
    ...layout.columns.filter((c) => c.kind === 'json').map((c) => c.name),
    ...plan.others.filter((c) => c.kind === 'json').map((c) => c.name),
  ];
  for (const column of jsonColumns) {
    const value = row[column];
    const text = Buffer.isBuffer(value) ? value.toString('utf8') : value;
    if (typeof text !== 'string') continue;
    const key = firstDuplicateKey(text);
    if (key !== undefined) return { column, key };
  }
  return undefined;
}

/** The hash the row should have, from the values the driver returned. */
export function recompute(
  row: ReadRow,
  plan: TablePlan,
  layout: RowLayout,
  traits: DialectTraits,
  secret: KeyObject | null = null,
): string {
  const canonical = canonicalOf(row, plan, layout, traits);
  return secret === null ? digest(canonical) : keyedDigest(canonical, secret);
}

/**
 * The running content digest of a chain after one more row: SHA-256 of the previous digest and
 * the plain SHA-256 of the row's canonical serialisation. A signed checkpoint records it per head,
 * so an auditor holding only the public key can tell the rows up to a head are unchanged.
 */
export function nextContentDigest(previous: string, canonical: string): string {
  return digest(previous + digest(canonical));
}

/** The canonical serialisation of a row as read (what its hash or HMAC covers). */
export function canonicalOf(row: ReadRow, plan: TablePlan, layout: RowLayout, traits: DialectTraits): string {
  // Columns the plan read as text are parsed here, whatever the driver does with JSON.
  const asText: DialectTraits = { ...traits, driverParsesJson: false };
  const read = (kind: ValueKind, name: string): string | null =>
    canonicalRead(kind, row[name], plan.jsonAsText.has(name) ? asText : traits);
  const fixed = layout.columns.map((column) => read(column.kind, column.name));
  const others: Array<[string, string]> = [];
  for (const { name, kind } of plan.others) {
    const value = read(kind, name);
    if (value !== null) others.push([name, value]);
  }
  return canonicalRow(layout, fixed, others);
}
