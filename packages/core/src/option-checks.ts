import { ConfigurationError } from './errors.js';

/** One checker per option kind, so every package words a bad setting the same way. */

/** A boolean option: `fallback` when undefined, otherwise a ConfigurationError naming it. */
export function booleanOption(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new ConfigurationError(name, `must be a boolean, got ${typeof value}`);
  return value;
}

/** An integer option within [min, max]: `fallback` when undefined, otherwise a ConfigurationError naming it. */
export function integerOption(value: unknown, name: string, fallback: number, min: number, max = Infinity): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Infinity ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new ConfigurationError(name, `must be an integer ${range}, got ${JSON.stringify(value) ?? String(value)}`);
  }
  return value;
}
