// stampRows reads each row through a plan worked out once per shape of row (its keys, in order).
// Rows of one batch may still differ: a mapRow that adds a column to some events, keys in another
// order, a column left out. Every row's hash must be what the format says whatever its neighbours
// look like: these compare each stamped row with the serialisation built the slow, plain way.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const dist = '../../packages/knex/dist/cjs/integrity/';
const { stampRows, GENESIS } = require(`${dist}stamp-rows.js`);
const { HASH_FORMAT } = require(`${dist}row-digest.js`);
const { EVENT_LAYOUT, kindOfValue } = require(`${dist}row-layout.js`);
const { canonicalBound } = require(`${dist}canonical-value.js`);

/** The format, written out plainly: layout columns in order, then the other non-null ones by name. */
function expectedHash(row, extraKinds) {
  const fixed = EVENT_LAYOUT.columns.map((c) => [c.name, canonicalBound(c.kind, row[c.name])]);
  const layoutNames = new Set(EVENT_LAYOUT.columns.map((c) => c.name));
  const others = Object.keys(row)
    .filter((name) => !layoutNames.has(name) && !EVENT_LAYOUT.excluded.has(name))
    .filter((name) => row[name] !== null && row[name] !== undefined)
    .sort()
    .map((name) => [name, canonicalBound(extraKinds.get(name) ?? kindOfValue(row[name]), row[name])]);
  return createHash('sha256')
    .update(JSON.stringify([HASH_FORMAT, ...fixed, ...others]))
    .digest('hex');
}

function baseRow(i) {
  return {
    id: `0190a000-0000-7000-8000-${String(i).padStart(12, '0')}`,
    created_at: 1_700_000_000_000 + i,
    content_type: 'shop.order',
    object_id: `o"${i}`,
    content: `{"n":${i},"s":"a\\"b"}`,
    user_id: i % 2 ? String(i) : null,
    url: '/orders?x=é',
    headers: null,
  };
}

describe('stampRows', () => {
  it('hashes every row as the format says when rows of one batch differ in keys and key order', () => {
    const extraKinds = new Map([
      ['region', 'string'],
      ['score', 'float'],
    ]);
    const rows = [
      { ...baseRow(1), tenant_id: 't1', actor_type: 'user' },
      { ...baseRow(2), tenant_id: 't1', actor_type: 'user' },
      { region: 'eu\n', ...baseRow(3), score: 1.5 },
      { ...baseRow(4), tenant_id: null, actor_type: 'system', zeta: 3, alpha: true },
      { ...baseRow(5), tenant_id: 't2', actor_type: 'user' },
      { actor_type: 'user', ...baseRow(6), tenant_id: 't2' },
      (({ url: _url, ...rest }) => rest)(baseRow(7)),
    ];
    const to = stampRows(rows, 'chain-a', GENESIS, EVENT_LAYOUT, extraKinds, null, true);
    let prev = GENESIS.hash;
    rows.forEach((row, i) => {
      assert.equal(row.seq, i + 1);
      assert.equal(row.prev_hash, prev, `row ${i}: prev_hash`);
      assert.equal(row.hash, expectedHash(row, extraKinds), `row ${i}: hash`);
      prev = row.hash;
    });
    assert.deepEqual(to, { seq: rows.length, hash: prev });
  });

  it('hashes a JSON column outside the layout as canonical text and binds that text', () => {
    const row = { ...baseRow(1), meta: { b: 1, a: [true, null] } };
    stampRows([row], 'chain-b', GENESIS, EVENT_LAYOUT, new Map([['meta', 'json']]), null, true);
    assert.equal(row.meta, '{"a":[true,null],"b":1}');
    assert.equal(row.hash, expectedHash(row, new Map([['meta', 'json']])));
  });
});
