// canonicalRow writes a row's hashed serialisation piece by piece, leaving out JSON.stringify
// where a string needs no escaping. Its text must stay byte for byte JSON.stringify of the array
// the format describes, or every chain written before would stop verifying: these compare the
// two for the characters JSON escapes and for random strings made of them.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { canonicalRow, HASH_FORMAT } = require('../../packages/knex/dist/cjs/integrity/row-digest.js');
const { EVENT_LAYOUT } = require('../../packages/knex/dist/cjs/integrity/row-layout.js');

function expected(layout, fixed, others) {
  return JSON.stringify([HASH_FORMAT, ...layout.columns.map((c, i) => [c.name, fixed[i] ?? null]), ...others]);
}

// Every kind of character JSON.stringify treats differently: quotes, backslash, control
// characters, lone surrogates of both halves, a valid pair, characters it leaves alone.
const ALPHABET = [
  'a',
  'Z',
  '0',
  ' ',
  '"',
  '\\',
  '/',
  '\n',
  '\u0000',
  '\u001f',
  '\u007f',
  '\u2028',
  'é',
  '€',
  '\ud800',
  '\udfff',
  '\ud83d\ude00',
  '{',
  '}',
  ':',
  ',',
];

function randomString(random) {
  let s = '';
  const length = Math.floor(random() * 12);
  for (let i = 0; i < length; i++) s += ALPHABET[Math.floor(random() * ALPHABET.length)];
  return s;
}

/** A small seeded generator, so a failure names a case that can be run again. */
function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('canonicalRow', () => {
  const width = EVENT_LAYOUT.columns.length;

  it('writes each escaped character as JSON.stringify does, in layout columns and in others', () => {
    for (const ch of ALPHABET) {
      const fixed = Array.from({ length: width }, (_, i) => (i % 3 === 0 ? null : `x${ch}y`));
      const others = [[`tenant${ch}`, `v${ch}`]];
      assert.equal(
        canonicalRow(EVENT_LAYOUT, fixed, others),
        expected(EVENT_LAYOUT, fixed, others),
        JSON.stringify(ch),
      );
    }
  });

  it('matches JSON.stringify of the format array for 2,000 random rows', () => {
    const random = mulberry32(21);
    for (let n = 0; n < 2000; n++) {
      const fixed = Array.from({ length: width }, () => (random() < 0.2 ? null : randomString(random)));
      const others = Array.from({ length: Math.floor(random() * 4) }, () => [
        randomString(random),
        randomString(random),
      ]);
      assert.equal(canonicalRow(EVENT_LAYOUT, fixed, others), expected(EVENT_LAYOUT, fixed, others), `row ${n}`);
    }
  });

  it('keeps null and the empty string apart', () => {
    const fixed = Array.from({ length: width }, (_, i) => (i === 0 ? '' : null));
    const text = canonicalRow(EVENT_LAYOUT, fixed, []);
    assert.ok(text.startsWith(`[${JSON.stringify(HASH_FORMAT)},["id",""],["created_at",null]`));
    assert.equal(text, expected(EVENT_LAYOUT, fixed, []));
  });
});
