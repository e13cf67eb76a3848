// canonicalJson is the text hash chains are computed over. It is RFC 8785 (JSON Canonicalization
// Scheme) compatible for every JSON value: these are the RFC's own examples and its Appendix B
// number vectors, run against the built module rather than through a database.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { canonicalJson, canonicalJsonText } = require('../../packages/knex/dist/cjs/integrity/canonical-json.js');

/** IEEE 754 double from its 16 hex digits, as Appendix B lists them. */
function fromHex(hex) {
  return Buffer.from(hex, 'hex').readDoubleBE(0);
}

describe('canonicalJson (RFC 8785 compatible)', () => {
  it('section 3.2.2: whitespace removed, numbers and strings serialised as ECMAScript does', () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
        '"string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",' +
        '"literals": [null, true, false]}',
    );
    assert.equal(
      canonicalJson(input),
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('section 3.2.3: properties sorted by UTF-16 code units, not code points or locale', () => {
    const input = JSON.parse(
      '{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh",' +
        '"1":"One","\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control",' +
        '"\\u00f6":"Latin Small Letter O With Diaeresis"}',
    );
    // Read from the text: JSON.parse would move the integer-like key "1" first again.
    assert.equal(
      canonicalJson(input),
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('sorts nested objects too and keeps array order', () => {
    assert.equal(
      canonicalJson({ b: [{ z: 1, a: 2 }, 3], a: { y: null, x: 'x' } }),
      '{"a":{"x":"x","y":null},"b":[{"a":2,"z":1},3]}',
    );
  });

  // Appendix B: IEEE 754 hex → canonical text.
  const NUMBER_VECTORS = [
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ];
  for (const [hex, expected] of NUMBER_VECTORS) {
    it(`Appendix B: ${hex} → ${expected}`, () => {
      assert.equal(canonicalJson(fromHex(hex)), expected);
      assert.equal(canonicalJson([fromHex(hex)]), `[${expected}]`);
    });
  }

  it('NaN and Infinity, which JSON cannot carry (RFC 8785 rejects them), are written as null like JSON.stringify', () => {
    for (const hex of ['7fffffffffffffff', '7ff0000000000000', 'fff0000000000000']) {
      assert.equal(canonicalJson(fromHex(hex)), 'null');
    }
  });

  it('lone surrogates are escaped as JSON.stringify (ES2019) writes them, so the text is valid UTF-8', () => {
    assert.equal(canonicalJson({ s: '\ud800x' }), '{"s":"\\ud800x"}');
  });

  it('drops undefined members as the stored JSON text does, and keeps undefined array items as null', () => {
    assert.equal(canonicalJson({ a: undefined, b: 1 }), '{"b":1}');
    assert.equal(canonicalJson([undefined, 1]), '[null,1]');
  });

  it('matches sorting every object and JSON.stringify, over random values (key order, escapes, numbers)', () => {
    // The reference: the definition itself, written out (not through an object, which would put
    // integer-like keys such as "1" first again).
    const reference = (v) =>
      Array.isArray(v)
        ? `[${v.map(reference).join(',')}]`
        : v !== null && typeof v === 'object'
          ? `{${Object.keys(v)
              .sort()
              .map((k) => `${JSON.stringify(k)}:${reference(v[k])}`)
              .join(',')}}`
          : JSON.stringify(v);
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const keyChars = ['a', 'b', 'Z', '1', '\u00e9', '"', '\\', '\n', '\ud83d\ude00', '_'];
    const key = () =>
      Array.from({ length: 1 + Math.floor(random() * 3) }, () => keyChars[Math.floor(random() * 10)]).join('');
    const scalars = [0, -0, 1, -1.5, 1e21, 5e-324, 123456789.123, true, false, null, '', 'x', 'é"\\\u0001', '\ud800'];
    const value = (depth) => {
      const pick = random();
      if (depth > 3 || pick < 0.4) return scalars[Math.floor(random() * scalars.length)];
      if (pick < 0.6) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
      const out = {};
      for (let i = Math.floor(random() * 6); i > 0; i--) out[key()] = value(depth + 1);
      return out;
    };
    for (let i = 0; i < 2000; i++) {
      const v = value(0);
      const expected = reference(v);
      assert.equal(canonicalJson(v), expected);
      assert.equal(canonicalJsonText(v), expected);
    }
  });

  it('writes any number of distinct keys, short or long, the same way (its key cache is bounded)', () => {
    const wide = {};
    for (let i = 0; i < 5000; i++) wide[`k${i}`] = i;
    wide['x'.repeat(100)] = 'long';
    wide['q"\\\u0002'] = 'escaped';
    const sorted = Object.keys(wide).sort();
    const expected = `{${sorted.map((k) => `${JSON.stringify(k)}:${JSON.stringify(wide[k])}`).join(',')}}`;
    assert.equal(canonicalJson(wide), expected);
    assert.equal(canonicalJson(wide), expected, 'the second time, from the cache');
  });

  describe('canonicalJsonText (the writer serialises a hashed row once)', () => {
    class Money {
      constructor(cents) {
        this.cents = cents;
      }
      toJSON() {
        return { amount: this.cents / 100, currency: 'EUR' };
      }
    }
    const values = [
      { b: 1, a: [1, 'x', null, true, { d: undefined, c: 2.5 }], '\u00e9': 'é', z: -0 },
      { when: new Date(Date.UTC(2026, 11, 4)), price: new Money(1999), tag: new String('boxed'), n: new Number(3) },
      { nested: { deep: [[[{ y: 'y', x: 'x' }]]] }, big: 1e21, tiny: 5e-324, nan: NaN, inf: -Infinity },
      { lone: '\ud800', nul: 'a\u0000b', empty: {}, list: [] },
      ['top', 'level', 'array'],
    ];

    it('is what JSON.stringify then canonicalJson give, without the second pass', () => {
      for (const value of values) {
        const once = canonicalJsonText(value);
        assert.equal(once, canonicalJson(JSON.parse(JSON.stringify(value))), JSON.stringify(value));
        assert.equal(canonicalJson(JSON.parse(once)), once, 'reads back to the same text');
      }
    });

    it('applies toJSON() and unboxes primitives as JSON.stringify does; canonicalJson (the reader) does not need to', () => {
      assert.equal(canonicalJsonText({ m: new Money(250) }), '{"m":{"amount":2.5,"currency":"EUR"}}');
      assert.equal(canonicalJsonText([new String('s'), new Boolean(false)]), '["s",false]');
    });

    it('refuses a bigint with the TypeError JSON.stringify throws, where the reader writes its digits', () => {
      assert.throws(() => canonicalJsonText({ n: 1n }), TypeError);
      assert.throws(() => JSON.stringify({ n: 1n }), TypeError);
      assert.equal(canonicalJson({ n: 1n }), '{"n":1}');
    });
  });
});
