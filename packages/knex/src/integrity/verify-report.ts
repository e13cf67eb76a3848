/**
 * Why a chain failed verification, and what it means:
 * - `hash-mismatch`: a row's content no longer matches its hash (the row was edited);
 * - `seq-gap`: positions are missing (rows were deleted); `firstBadSeq` is the first missing one;
 * - `broken-link`: a row's prev_hash is not the hash of the row before it (a row was inserted,
 *   re-ordered or re-hashed after an edit), or a row of the chain has no position at all;
 * - `duplicate-seq`: two rows claim one position (a forged copy, e.g. in the archive table);
 * - `missing-tail`: the chain ends before a recorded head (its newest rows were deleted);
 * - `head-mismatch`: the row at a recorded head's position has another hash (the chain was
 *   rewritten from there on).
 * The last two need `expectedHeads`: without an external checkpoint, deleting a chain's newest
 * rows leaves a shorter chain that is perfectly consistent.
 */
export type IntegrityFailure = 'hash-mismatch' | 'seq-gap' | 'broken-link' | 'duplicate-seq' | 'missing-tail' | 'head-mismatch';

/** A chain's newest row, as recorded by an operator (see chainHeads()) to detect a deleted tail. */
export interface ChainHead {
  chainId: string;
  seq: number;
  hash: string;
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
  /** Rows written without integrity (null chain_id): not verifiable, not a failure. */
  unchainedRows: number;
  /** True when every chain is valid. */
  valid: boolean;
}

export interface VerifyOptions {
  /** Recorded heads: a chain that ends before its head, or differs at it, fails. */
  expectedHeads?: readonly ChainHead[];
  /** Rows read per query and table; default 1000. Memory holds about two pages. */
  pageSize?: number;
  /** Called after each chain, e.g. for progress output. */
  onChain?: (result: ChainVerification) => void;
  /** Checked between chains and pages; aborting rejects with AbortedError. */
  signal?: AbortSignal;
}
