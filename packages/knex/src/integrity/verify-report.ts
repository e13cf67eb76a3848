import type { KeyProvider } from './keys/chain-key.js';

/**
 * Why a chain failed verification, and what it means:
 * - `hash-mismatch`: a row's content no longer matches its hash (the row was edited);
 * - `seq-gap`: positions are missing (rows were deleted); `firstBadSeq` is the first missing one;
 * - `broken-link`: a row's prev_hash is not the hash of the row before it (a row was inserted,
 *   re-ordered or re-hashed after an edit), or a row of the chain has no position at all;
 * - `duplicate-seq`: two rows claim one position (a forged copy, e.g. in the archive table);
 * - `missing-tail`: the chain ends before a recorded head (its newest rows were deleted);
 * - `head-mismatch`: the row at a recorded head's position has another hash (the chain was
 *   rewritten from there on);
 * - `duplicate-key`: a JSON column's stored text has one key twice in an object. The hash (over
 *   the parsed value, where the last one wins) still matches, but SQLite's json_extract and
 *   MariaDB's json_value read the first: `{"amount":1000000,"amount":100}` says 1000000 to SQL;
 * - `uncovered` (only with `strict`): rows past the recorded head, or a chain absent from
 *   `expectedHeads`; without `strict` they are counted in `uncoveredRows`, not a failure.
 * - `unknown-key`: a keyed row names a key id the given keys do not hold (or no keys were given);
 * - `unkeyed-row`: a row hashed without a key after a keyed row of its chain (a downgrade), or
 *   anywhere when keys are given, unless `allowUnkeyed`: a plain SHA-256 anyone can recompute.
 * `missing-tail` and `head-mismatch` need `expectedHeads`: without an external checkpoint, deleting a chain's newest
 * rows leaves a shorter chain that is perfectly consistent.
 */
export type IntegrityFailure =
  | 'hash-mismatch'
  | 'seq-gap'
  | 'broken-link'
  | 'duplicate-seq'
  | 'missing-tail'
  | 'head-mismatch'
  | 'duplicate-key'
  | 'uncovered'
  | 'unknown-key'
  | 'unkeyed-row';

/** A chain's newest row, as recorded by an operator (see chainHeads()) to detect a deleted tail. */
export interface ChainHead {
  chainId: string;
  seq: number;
  hash: string;
  /** The key that signed the head row (null: unkeyed); when given, the row must name it. */
  keyId?: string | null;
  /**
   * The chain's running content digest at the head (from a signed checkpoint): rows up to it must
   * be unchanged. With it, keyed rows up to the head verify without their keys.
   */
  contentDigest?: string;
}

export interface ChainVerification {
  chainId: string;
  /** Rows of the chain found (live and archive). */
  rows: number;
  valid: boolean;
  reason?: IntegrityFailure;
  /** The first position where the chain is wrong (absent for a row without a position). */
  firstBadSeq?: number;
  /** The newest position read and its stored hash: record them (when valid) as a checkpoint. */
  lastSeq: number | null;
  lastHash: string | null;
  /** The key id of the newest row (null when unkeyed). */
  lastKeyId?: string | null;
  /** Every key id that signed a row of the chain, sorted. */
  keyIds?: string[];
  /** With reason `unknown-key`: the key id no given key matches. */
  keyId?: string;
  /** With reason `duplicate-key`: the JSON column and the key found twice. */
  duplicateKey?: { column: string; key: string };
  /**
   * With `expectedHeads` only: rows no recorded head vouches for (past the chain's head, or every
   * row of a chain absent from expectedHeads). Live tables grow, so they are valid unless `strict`.
   */
  uncoveredRows?: number;
  /** With `expectedHeads` only: true when expectedHeads has no head for this chain. */
  notInCheckpoint?: boolean;
}

export interface VerifyReport {
  /** The tables walked, live first. */
  tables: string[];
  /** One entry per chain, ordered by chain id. */
  chains: ChainVerification[];
  validChains: number;
  totalChains: number;
  /** Rows in chains. */
  chainedRows: number;
  /** Rows without a chain (null chain_id): not verifiable. */
  unchainedRows: number;
  /**
   * True when unchainedRows make the report invalid: the tables hold hash chains (or
   * expectedHeads names some), so a row outside them was written around the chain, unless
   * `allowUnchainedRows` says such rows predate integrity.
   */
  unchainedRowsFail: boolean;
  /** Sum of the chains' uncoveredRows (0 without expectedHeads). */
  uncoveredRows: number;
  /** Chains with uncovered rows (0 without expectedHeads). */
  uncoveredChains: number;
  /** True when every chain is valid and no unchained row fails. */
  valid: boolean;
}

export interface VerifyOptions {
  /**
   * Recorded heads: a chain that ends before its head, or differs at it, fails. Given (even
   * empty), rows past a head and chains without one are counted as uncovered.
   */
  expectedHeads?: readonly ChainHead[];
  /** A closed period: uncovered rows fail (reason `uncovered`). Needs expectedHeads. */
  strict?: boolean;
  /**
   * Unchained rows in tables that hold chains are then counted, not a failure: for tables with
   * rows from before integrity was turned on. Rows inserted around the chains pass too.
   */
  allowUnchainedRows?: boolean;
  /**
   * Keys to check keyed rows with (a KeySet from keySetFromFile/Env, or any provider): each row's
   * key is looked up by its key_id, retired keys included. Given, every row must be keyed.
   */
  keys?: KeyProvider;
  /** With `keys`: rows hashed without a key still pass (until a keyed row in their chain). */
  allowUnkeyed?: boolean;
  /** Rows read per query and table; default 1000. Memory holds about two pages. */
  pageSize?: number;
  /** Called after each chain, e.g. for progress output. */
  onChain?: (result: ChainVerification) => void;
  /** Checked between chains and pages; aborting rejects with AbortedError. */
  signal?: AbortSignal;
}
