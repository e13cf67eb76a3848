import { InvalidArgumentError } from 'commander';
import { parseTimeBound, type GroupKey } from '@audit-events/core';
import { checkGroupKeys, GROUP_KEYS } from '@audit-events/core/internal';

/**
 * `--since` / `--until`: an ISO date (`2025-03-01`, UTC midnight), an ISO date-time (`2025-03-01T12:00`,
 * UTC unless it has a zone), or an age relative to `now`: `30m`, `12h`, `7d`, `2w`. The parsing is
 * core's parseTimeBound, the one the HTTP read API uses, so `?since=` and `--since` take the same forms.
 */
export function parseTime(value: string, now: () => number = Date.now): Date {
  const time = parseTimeBound(value.trim(), now);
  if (time === null) {
    throw new InvalidArgumentError('expected an ISO date or date-time (2025-03-01, 2025-03-01T12:00Z) or an age like 7d, 12h, 30m.');
  }
  return time;
}

/** `--by manager,attribute`: comma-separated group keys. */
export function parseGroupKeys(value: string): GroupKey[] {
  try {
    return checkGroupKeys(
      value.split(',').map((part) => part.trim()).filter((part) => part !== ''),
      [],
    );
  } catch {
    throw new InvalidArgumentError(`expected a comma-separated list of ${GROUP_KEYS.join(', ')} (e.g. manager,attribute).`);
  }
}

/** `--threshold 0.05` or `--threshold 5%`: a rise of the denied rate, as a fraction from 0 to 1. */
export function parseThreshold(value: string): number {
  const text = value.trim();
  const percent = text.endsWith('%');
  const number = percent ? text.slice(0, -1) : text;
  const n = /^\d+(\.\d+)?$/.test(number) ? Number(number) / (percent ? 100 : 1) : Number.NaN;
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('expected a fraction from 0 to 1 (0.05) or a percentage (5%).');
  return n;
}

/** A deployment name (`--baseline`, `--candidate`): not blank. */
export function parseDeployment(value: string): string {
  if (value.trim() === '' || value.length > 255) throw new InvalidArgumentError('expected a deployment name (1 to 255 characters).');
  return value;
}

/** A positive integer up to `max` (`--limit`, `--events-per-type`). */
export function positiveInteger(max: number): (value: string) => number {
  return (value) => {
    const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`expected a whole number from 1 to ${max}.`);
    return n;
  };
}

/** Repeatable `--file`: collects every occurrence. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
