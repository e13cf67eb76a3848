import { InvalidArgumentError } from 'commander';
import { parseTimeBound, type GroupKey } from '@audit-events/core';
import { checkGroupKeys, GROUP_KEYS } from '@audit-events/core/internal';

// Every option parser of the CLI: each turns one flag's text into a value or an InvalidArgumentError
// (commander then prints a usage error and exits 2).

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
export const parseBatchSize = positiveInteger(MAX_BATCH_SIZE);

/** `--connect-timeout <seconds>`: more than 0, at most 600. */
export function parseSeconds(value: string): number {
  const n = DECIMAL.test(value) ? Number(value) : Number.NaN;
  if (!(n > 0 && n <= 600)) throw new InvalidArgumentError('expected a number of seconds above 0, at most 600.');
  return n;
}

/**
 * `--since` / `--until`: an ISO date (`2025-03-01`, UTC midnight), an ISO date-time (`2025-03-01T12:00`,
 * UTC unless it has a zone), or an age relative to `now`: `30m`, `12h`, `7d`, `2w`. The parsing is
 * core's parseTimeBound, the one the HTTP read API uses, so `?since=` and `--since` take the same forms.
 */
export function parseTime(value: string, now: () => number = Date.now): Date {
  const time = parseTimeBound(value.trim(), now);
  if (time === null) {
    throw new InvalidArgumentError(
      'expected an ISO date or date-time (2025-03-01, 2025-03-01T12:00Z) or an age like 7d, 12h, 30m.',
    );
  }
  return time;
}

/** `--by manager,attribute`: comma-separated group keys. */
export function parseGroupKeys(value: string): GroupKey[] {
  try {
    return checkGroupKeys(
      value
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== ''),
      [],
    );
  } catch {
    throw new InvalidArgumentError(
      `expected a comma-separated list of ${GROUP_KEYS.join(', ')} (e.g. manager,attribute).`,
    );
  }
}

/** `--threshold 0.05` or `--threshold 5%`: a rise of the denied rate, as a fraction from 0 to 1. */
export function parseThreshold(value: string): number {
  const text = value.trim();
  const percent = text.endsWith('%');
  const number = percent ? text.slice(0, -1) : text;
  const n = DECIMAL.test(number) ? Number(number) / (percent ? 100 : 1) : Number.NaN;
  if (!(n >= 0 && n <= 1))
    throw new InvalidArgumentError('expected a fraction from 0 to 1 (0.05) or a percentage (5%).');
  return n;
}

/** A deployment name (`--baseline`, `--candidate`): not blank. */
export function parseDeployment(value: string): string {
  if (value.trim() === '' || value.length > 255)
    throw new InvalidArgumentError('expected a deployment name (1 to 255 characters).');
  return value;
}

/** A positive integer up to `max` (`--limit`, `--events-per-type`). */
export function positiveInteger(max: number): (value: string) => number {
  return (value) => {
    const n = INTEGER.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < 1 || n > max)
      throw new InvalidArgumentError(`expected a whole number from 1 to ${max}.`);
    return n;
  };
}

/** Repeatable `--file`: collects every occurrence. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
