import { canonicalBound, type ValueKind } from './canonical-value.js';
import { canonicalRow, digest, GENESIS_HASH, keyedDigest, sortPairs } from './row-digest.js';
import type { ResolvedKey } from './keys/chain-key.js';
import type { Keyring } from './keys/keyring.js';
import { kindOfValue, type RowLayout } from './row-layout.js';

/** The last committed row of a chain: the next row gets `seq + 1` and `prev_hash = hash`. */
export interface ChainPosition {
  seq: number;
  hash: string;
}

/** Before the first row. */
export const GENESIS: ChainPosition = Object.freeze({ seq: 0, hash: GENESIS_HASH });

type Row = Record<string, unknown>;

const fixedNames = new WeakMap<RowLayout, ReadonlySet<string>>();

/** The columns a row's `others` leave out: the layout's own and its excluded ones, one lookup per key. */
function fixedOrExcluded(layout: RowLayout): ReadonlySet<string> {
  let names = fixedNames.get(layout);
  if (names === undefined) {
    names = new Set([...layout.columns.map((c) => c.name), ...layout.excluded]);
    fixedNames.set(layout, names);
  }
  return names;
}

/** Canonical value of a bound JSON column; the row is rewritten to bind that same text. */
function canonicalJsonColumn(row: Row, name: string): string | null {
  const value = canonicalBound('json', row[name]);
  // Stored as canonical text, the value reads back identically where the server keeps JSON as
  // text (SQLite, MariaDB): an auditor can recompute a hash from the raw column.
  if (value !== null && !value.startsWith('invalid:')) row[name] = value;
  return value;
}

/**
 * Fills chain_id, seq, prev_hash and hash of `rows`, in order, continuing from `from`; returns
 * the position after the last row. Pure apart from the rows it stamps: the caller decides when
 * the position becomes the chain's head (only once the rows are committed). With
 * `jsonIsCanonical`, the layout's JSON columns hold canonical text already (the writer built them
 * with canonicalJsonText) and are hashed as they are.
 */
export function stampRows(
  rows: Row[],
  chainId: string,
  from: ChainPosition,
  layout: RowLayout,
  extraKinds: ReadonlyMap<string, ValueKind>,
  key: ResolvedKey | null = null,
  jsonIsCanonical = false,
): ChainPosition {
  const skipped = fixedOrExcluded(layout);
  const columns = layout.columns;
  let seq = from.seq;
  let prev = from.hash;
  for (const row of rows) {
    seq++;
    row['chain_id'] = chainId;
    row['seq'] = seq;
    row['prev_hash'] = prev;
    // key_id is hashed like any other non-null column outside the layout: under its own key.
    if (key !== null) row['key_id'] = key.id;
    const fixed = new Array<string | null>(columns.length);
    for (let i = 0; i < columns.length; i++) {
      const { kind, name } = columns[i]!;
      const value = row[name];
      if (kind !== 'json') fixed[i] = canonicalBound(kind, value);
      else if (jsonIsCanonical && (typeof value === 'string' || value === null || value === undefined))
        fixed[i] = value ?? null;
      else fixed[i] = canonicalJsonColumn(row, name);
    }
    const others: Array<[string, string]> = [];
    for (const name of Object.keys(row)) {
      if (skipped.has(name)) continue;
      const value = row[name];
      if (value === null || value === undefined) continue;
      const kind = extraKinds.get(name) ?? kindOfValue(value);
      const canonical = kind === 'json' ? canonicalJsonColumn(row, name) : canonicalBound(kind, value);
      if (canonical !== null) others.push([name, canonical]);
    }
    const canonical = canonicalRow(layout, fixed, sortPairs(others));
    const hash = key === null ? digest(canonical) : keyedDigest(canonical, key.secret);
    row['hash'] = hash;
    prev = hash;
  }
  return { seq, hash: prev };
}

/** What a chained write needs from the table it writes to. */
export interface ChainedWriteTarget<R extends Row> {
  layout: RowLayout;
  extraKinds: ReadonlyMap<string, ValueKind>;
  /** The chain's last row in the database (live and archive), or null when it has none. */
  readHead(chainId: string): Promise<ChainPosition | null>;
  /** The layout's JSON columns are bound as canonical JSON text (see stampRows). */
  jsonIsCanonical?: boolean;
  /** Inserts the stamped rows atomically. */
  write(rows: R[]): Promise<void>;
  /** True when a failed write is known not to have stored anything. */
  failedBeforeCommit(err: unknown): boolean;
  isUniqueViolation(err: unknown): boolean;
}

/** A batch stamped ahead of its turn: valid while the chain is still where it was stamped from. */
interface Stamped {
  from: ChainPosition;
  to: ChainPosition;
  key: ResolvedKey | null;
}

function samePosition(a: ChainPosition, b: ChainPosition): boolean {
  return a.seq === b.seq && a.hash === b.hash;
}

function sameKey(a: ResolvedKey | null, b: ResolvedKey | null): boolean {
  if (a === null || b === null) return a === b;
  return a.id === b.id && (a.secret === b.secret || a.secret.equals(b.secret));
}

/**
 * One writer's hash chain. Batches are written one at a time, in the order write() was called, so
 * positions are handed out linearly: a batch is stamped from the committed head, and the head
 * moves only when the batch commits. A batch known to have failed leaves the head where it was,
 * so the next batch reuses its seq range and the chain has no gap. A batch whose outcome is
 * unknown (connection lost during COMMIT, a cancelled timeout) makes the head unknown: it is read
 * back from the database before the next batch. Should that read race a commit still landing, the
 * unique index on (chain_id, seq) rejects one of the two writes, and a rejected write re-reads the
 * head and is retried once — the chain never forks.
 *
 * A batch handed over while the one before it is still being written (a writer with a backlog
 * prepares the next batch meanwhile) is stamped at once, from where that batch will leave the
 * chain: its hashing then overlaps the database's work instead of following it. Its write still
 * waits its turn, and when the turn comes the stamps are kept only if the chain's head and the
 * signing key are what they were stamped with; otherwise the batch is stamped again.
 */
export class HashChain {
  readonly chainId: string;
  readonly #keys: Keyring | null;
  #head: ChainPosition | null;
  /** Where the batch being written leaves the chain if it commits; null when none is. */
  #ahead: ChainPosition | null = null;
  /** Settles once the last batch handed to write() has: each batch waits for this before writing. */
  #turn: Promise<void> = Promise.resolve();

  constructor(chainId: string, fresh: boolean, keys: Keyring | null = null) {
    this.chainId = chainId;
    this.#keys = keys;
    this.#head = fresh ? GENESIS : null;
  }

  /** Stamps `rows` and writes them after every batch handed over before; the head advances on commit. */
  async write<R extends Row>(rows: R[], target: ChainedWriteTarget<R>): Promise<void> {
    const previous = this.#turn;
    let release!: () => void;
    this.#turn = new Promise<void>((resolve) => (release = resolve));
    try {
      const stamped = this.#ahead === null ? null : this.#stampAhead(rows, this.#ahead, target);
      await previous;
      await this.#writeInTurn(rows, target, stamped);
    } finally {
      release();
    }
  }

  async #writeInTurn<R extends Row>(rows: R[], target: ChainedWriteTarget<R>, stamped: Stamped | null): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      // Asked per batch, so a rotated key signs from the next batch on; a SigningKeyError fails
      // this batch before anything is written (never an unkeyed row in a keyed chain).
      const key = this.#keys === null ? null : this.#keys.signingKey();
      const from = this.#head ?? (await this.#readHead(target)) ?? GENESIS;
      this.#head = from;
      const to =
        stamped !== null && samePosition(stamped.from, from) && sameKey(stamped.key, key)
          ? stamped.to
          : this.#stamp(rows, from, target, key);
      stamped = null; // a retry starts from the head it reads
      this.#ahead = to;
      try {
        await target.write(rows);
      } catch (err) {
        if (!target.failedBeforeCommit(err)) {
          this.#head = null;
          throw err;
        }
        // Someone holds these positions (a writer sharing this chain id, or our own write that
        // was reported lost but committed): learn the real head and try once more.
        if (target.isUniqueViolation(err)) {
          this.#head = null;
          if (attempt === 1) continue;
        }
        throw err;
      } finally {
        // The next batch, stamped from `to`, finds out in its turn whether `to` became the head.
        if (this.#ahead === to) this.#ahead = null;
      }
      this.#head = to;
      return;
    }
  }

  #stamp<R extends Row>(
    rows: R[],
    from: ChainPosition,
    target: ChainedWriteTarget<R>,
    key: ResolvedKey | null,
  ): ChainPosition {
    return stampRows(rows, this.chainId, from, target.layout, target.extraKinds, key, target.jsonIsCanonical);
  }

  /**
   * Stamps ahead of the batch's turn, or null. It never throws: nothing may end this batch before
   * the one before it has settled (the next would start writing alongside that one), and an error
   * here (a SigningKeyError) is met again, and reported, in the batch's turn.
   */
  #stampAhead<R extends Row>(rows: R[], from: ChainPosition, target: ChainedWriteTarget<R>): Stamped | null {
    try {
      const key = this.#keys === null ? null : this.#keys.signingKey();
      return { from, to: this.#stamp(rows, from, target, key), key };
    } catch {
      return null;
    }
  }

  async #readHead<R extends Row>(target: ChainedWriteTarget<R>): Promise<ChainPosition | null> {
    try {
      return await target.readHead(this.chainId);
    } catch (err) {
      throw new ChainHeadError(this.chainId, err);
    }
  }
}

/**
 * The chain's head could not be read, so nothing was written: callers must be told "not
 * stored" (not "outcome unknown", which a lost connection would otherwise suggest).
 */
export class ChainHeadError extends Error {
  constructor(chainId: string, cause: unknown) {
    super(
      `could not read the head of hash chain ${chainId}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.name = 'ChainHeadError';
  }
}
