import { InvalidArgumentError } from 'commander';

// Plain decimal notation only: `1e3`, `0x10`, ` 5` and `5days` are typos more often than intent.
const DECIMAL = /^\d+(\.\d+)?$/;
const INTEGER = /^\d+$/;

/** `--older-than <days>`: a number of days ≥ 0, decimals allowed (0.5 = twelve hours). */
export function parseDays(value: string): number {
  if (!DECIMAL.test(value)) {
    throw new InvalidArgumentError('expected a number of days ≥ 0, e.g. 90 or 0.5.');
  }
  const days = Number(value);
  // Beyond ~270,000 years the cutoff is not a valid Date.
  if (days > 100_000) throw new InvalidArgumentError('expected at most 100000 days.');
  return days;
}

/** The store's own limit (KnexEventStore#archive): checked here too, so it is a usage error. */
export const MAX_BATCH_SIZE = 10_000;

/** `--batch-size <n>`: an integer from 1 to 10000. */
export function parseBatchSize(value: string): number {
  const n = INTEGER.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_BATCH_SIZE) {
    throw new InvalidArgumentError(`expected a whole number from 1 to ${MAX_BATCH_SIZE}.`);
  }
  return n;
}

/** `--connect-timeout <seconds>`: more than 0, at most 600. */
export function parseSeconds(value: string): number {
  const n = DECIMAL.test(value) ? Number(value) : Number.NaN;
  if (!(n > 0 && n <= 600)) throw new InvalidArgumentError('expected a number of seconds above 0, at most 600.');
  return n;
}
