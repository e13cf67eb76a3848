import type { ResolvedKey } from './keys/chain-key.js';
import type { Keyring } from './keys/keyring.js';
import type { RowLayout } from './row-layout.js';
import type { ValueKind } from './canonical-value.js';
import { GENESIS, stampRows, type ChainPosition } from './stamp-rows.js';

type Row = Record<string, unknown>;

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
