// isoTimestamp(ms) is what every hashed timestamp is written as, on the writer and the verifier
// side: it must be new Date(ms).toISOString(), character for character, for every value.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { isoTimestamp } = require('../../packages/knex/dist/cjs/integrity/iso-timestamp.js');

const FIRST = Date.parse('0000-01-01T00:00:00.000Z');
const LAST = Date.parse('9999-12-31T23:59:59.999Z');

describe('isoTimestamp (a hashed row’s timestamps)', () => {
  it('is toISOString at the edges: the epoch, leap days, century years, the first and last four-digit years', () => {
    const edges = [
      0,
      -1,
      1,
      FIRST,
      LAST,
      Date.parse('2000-02-29T12:00:00.000Z'),
      Date.parse('1900-02-28T23:59:59.999Z'),
      Date.parse('1900-03-01T00:00:00.000Z'),
      Date.parse('2100-02-28T23:59:59.999Z'),
      Date.parse('2024-12-31T23:59:59.999Z'),
      Date.parse('1969-12-31T23:59:59.999Z'),
      Date.parse('0004-02-29T00:00:00.000Z'),
    ];
    for (const ms of edges) assert.equal(isoTimestamp(ms), new Date(ms).toISOString(), String(ms));
  });

  it('is toISOString for 200,000 random milliseconds across years 0000–9999', () => {
    let seed = 11;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 200_000; i++) {
      const ms = Math.floor(FIRST + random() * (LAST - FIRST));
      assert.equal(isoTimestamp(ms), new Date(ms).toISOString());
    }
  });

  it('leaves six-digit years and fractions to Date, and throws as Date does for a time no Date holds', () => {
    for (const ms of [FIRST - 1, LAST + 1, 8.64e15, -8.64e15, 1.5, -0.5])
      assert.equal(isoTimestamp(ms), new Date(ms).toISOString(), String(ms));
    assert.throws(() => isoTimestamp(8.64e15 + 1), RangeError);
    assert.throws(() => isoTimestamp(Number.NaN), RangeError);
  });
});
