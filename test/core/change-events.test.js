// Change events (issue 17, item 2): createChangeEvent stores the difference between two snapshots
// of a record as an RFC 6902 JSON Patch (rfc6902's diff), each replace/remove with the value it
// overwrote as `old`, sensitive values masked on both sides, bounded whatever the input.
import { expect } from 'chai';
import { applyPatch, Pointer } from 'rfc6902';
import {
  AuditContext,
  CHANGES_KEY,
  CHANGES_TRUNCATED_KEY,
  FieldMasker,
  InvalidEventError,
  MASK,
  MAX_CHANGE_INPUT_BYTES,
  MAX_CHANGE_OPERATIONS,
  MemoryEventStore,
  NoContentObjectError,
  NotJsonSerializableError,
  computeChangePatch,
  configureMasking,
  getMasker,
} from '@audit-events/core';

const order = { type: 'order', id: 7 };

/** Applies a stored patch (minus `old`, which RFC 6902 does not know) to a copy of `before`. */
function applied(before, operations) {
  const doc = structuredClone(before);
  const results = applyPatch(
    doc,
    operations.map(({ old: _old, ...op }) => op),
  );
  expect(
    results.every((r) => r === null),
    JSON.stringify(results),
  ).to.equal(true);
  return doc;
}

/** `old` of each replace/remove must be what the operation overwrote: undo it in reverse order. */
function undone(after, operations) {
  const doc = structuredClone(after);
  for (const op of [...operations].reverse()) {
    let inverse;
    if (op.op === 'add') {
      // An append (`/-`) is undone by removing the array's last item.
      const path = op.path.endsWith('/-')
        ? `${op.path.slice(0, -2)}/${Pointer.fromJSON(op.path.slice(0, -2)).get(doc).length - 1}`
        : op.path;
      inverse = { op: 'remove', path };
    } else if (op.op === 'remove') inverse = { op: 'add', path: op.path, value: op.old };
    else inverse = { op: 'replace', path: op.path, value: op.old };
    expect(applyPatch(doc, [inverse]), JSON.stringify(inverse)).to.deep.equal([null]);
  }
  return doc;
}

const diff = (before, after, masker = null) => computeChangePatch(before, after, masker);

describe('change events: the patch', () => {
  it('flat fields: replace with old, add, remove with old', () => {
    const before = { status: 'new', total: 10, note: 'x' };
    const after = { status: 'paid', total: 10, paidAt: '2026-01-02' };
    const { operations, truncated, changed } = diff(before, after);
    expect(changed).to.equal(true);
    expect(truncated).to.equal(null);
    expect(operations).to.have.deep.members([
      { op: 'replace', path: '/status', value: 'paid', old: 'new' },
      { op: 'add', path: '/paidAt', value: '2026-01-02' },
      { op: 'remove', path: '/note', old: 'x' },
    ]);
    expect(applied(before, operations)).to.deep.equal(after);
  });

  it('nested objects and type changes (number → string, object → array, value → null)', () => {
    const before = { address: { city: 'Bern', zip: 3000 }, meta: { a: 1 }, flag: true, owner: { id: 1 } };
    const after = { address: { city: 'Basel', zip: '4000' }, meta: [1], flag: null, owner: { id: 1 } };
    const { operations } = diff(before, after);
    expect(operations).to.have.deep.members([
      { op: 'replace', path: '/address/city', value: 'Basel', old: 'Bern' },
      { op: 'replace', path: '/address/zip', value: '4000', old: 3000 },
      { op: 'replace', path: '/meta', value: [1], old: { a: 1 } },
      { op: 'replace', path: '/flag', value: null, old: true },
    ]);
    expect(applied(before, operations)).to.deep.equal(after);
  });

  it('arrays: insertions and removals are indexed as applied in order, and old is the removed item', () => {
    const before = {
      tags: ['a', 'b', 'c', 'd'],
      items: [
        { sku: 'A', qty: 1 },
        { sku: 'B', qty: 2 },
      ],
    };
    const after = { tags: ['x', 'a', 'c', 'd', 'e'], items: [{ sku: 'A', qty: 3 }] };
    const { operations } = diff(before, after);
    expect(applied(before, operations)).to.deep.equal(after);
    expect(undone(after, operations)).to.deep.equal(before);
    const removed = operations.filter((op) => op.op === 'remove');
    expect(removed.map((op) => op.old)).to.have.deep.members(['b', { sku: 'B', qty: 2 }]);
  });

  it('random records: the patch turns before into after, and the old values turn after back into before', () => {
    let seed = 17;
    const rand = (n) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const value = (depth) => {
      const kind = rand(depth > 2 ? 4 : 6);
      if (kind === 0) return rand(5);
      if (kind === 1) return ['p', 'q', 'r'][rand(3)];
      if (kind === 2) return rand(2) === 0;
      if (kind === 3) return null;
      if (kind === 4) return Array.from({ length: rand(5) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: rand(5) }, () => [`k${rand(6)}`, value(depth + 1)]));
    };
    const record = () => Object.fromEntries(Array.from({ length: 1 + rand(6) }, () => [`f${rand(8)}`, value(0)]));
    for (let i = 0; i < 300; i++) {
      const before = record();
      const after = rand(4) === 0 ? structuredClone(before) : record();
      const { operations, changed } = diff(before, after);
      expect(changed).to.equal(JSON.stringify(operations) !== '[]');
      expect(applied(before, operations), `case ${i}`).to.deep.equal(after);
      expect(undone(after, operations), `case ${i}`).to.deep.equal(before);
    }
  });

  it('nothing changed: no operations, changed false (key order does not count)', () => {
    const result = diff({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 }, getMasker());
    expect(result).to.deep.equal({ operations: [], truncated: null, changed: false });
  });

  it('keys __proto__, constructor and prototype are data: right old values, no prototype set', () => {
    const before = JSON.parse('{"__proto__": {"admin": false}, "constructor": 1, "n": 0}');
    const after = JSON.parse('{"__proto__": {"admin": true}, "constructor": 2, "prototype": 3, "n": 0}');
    const { operations } = diff(before, after);
    expect(operations).to.have.deep.members([
      { op: 'replace', path: '/__proto__/admin', value: true, old: false },
      { op: 'replace', path: '/constructor', value: 2, old: 1 },
      { op: 'add', path: '/prototype', value: 3 },
    ]);
    expect({}.admin).to.equal(undefined);
  });

  it('path tokens with / and ~ are escaped (RFC 6901)', () => {
    const { operations } = diff({ 'a/b': 1, 'c~d': 1 }, { 'a/b': 2, 'c~d': 2 });
    expect(operations.map((op) => op.path).sort()).to.deep.equal(['/a~1b', '/c~0d']);
  });
});

describe('change events: masking of value and old', () => {
  afterEach(() => configureMasking());
  const masker = () => getMasker();

  it('a changed password is recorded as changed, masked on both sides', () => {
    const { operations } = diff({ password: 'hunter2', name: 'ann' }, { password: 'hunter3', name: 'ann' }, masker());
    expect(operations).to.deep.equal([{ op: 'replace', path: '/password', value: MASK, old: MASK }]);
  });

  it('a sensitive key at any depth, and any segment of the path (/account/password, /credentials/…)', () => {
    const before = {
      account: { password: 'a', login: 'ann' },
      credentials: { user: 'u', key: 'k1' },
      list: [{ apiToken: 't1' }],
    };
    const after = {
      account: { password: 'b', login: 'bob' },
      credentials: { user: 'u', key: 'k2' },
      list: [{ apiToken: 't2' }],
    };
    const { operations } = diff(before, after, masker());
    expect(operations).to.have.deep.members([
      { op: 'replace', path: '/account/password', value: MASK, old: MASK },
      { op: 'replace', path: '/account/login', value: 'bob', old: 'ann' },
      { op: 'replace', path: '/credentials', value: MASK, old: MASK },
      { op: 'replace', path: '/list/0/apiToken', value: MASK, old: MASK },
    ]);
  });

  it('a whole sensitive object added or removed is one masked value', () => {
    const added = diff({ a: 1 }, { a: 1, secret: { pin: 1234, hint: 'dog' } }, masker());
    expect(added.operations).to.deep.equal([{ op: 'add', path: '/secret', value: MASK }]);
    const removed = diff({ a: 1, session: { id: 's-1' } }, { a: 1 }, masker());
    expect(removed.operations).to.deep.equal([{ op: 'remove', path: '/session', old: MASK }]);
  });

  it('values nested inside an added, removed or replaced object are masked by their own keys', () => {
    const { operations } = diff(
      { profile: { name: 'a', token: 'old-t' } },
      { profile: [{ name: 'b', token: 'new-t' }] },
      masker(),
    );
    expect(operations).to.deep.equal([
      { op: 'replace', path: '/profile', value: [{ name: 'b', token: MASK }], old: { name: 'a', token: MASK } },
    ]);
  });

  it('parent+child names (card.number), name/value pairs and secret-looking values, as in content', () => {
    const jwt = (s) => `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIx${s}In0.c2lnbmF0dXJl`;
    const before = { card: { number: '1', holder: 'A' }, fields: [{ name: 'password', value: 'p1' }], note: jwt('a') };
    const after = { card: { number: '2', holder: 'A' }, fields: [{ name: 'password', value: 'p2' }], note: jwt('b') };
    const { operations } = diff(before, after, masker());
    expect(operations).to.have.deep.members([
      { op: 'replace', path: '/card/number', value: MASK, old: MASK },
      { op: 'replace', path: '/fields/0/value', value: MASK, old: MASK },
      { op: 'replace', path: '/note', value: MASK, old: MASK },
    ]);
  });

  it('a pair whose name becomes sensitive masks the new value even when value comes first', () => {
    const { operations } = diff({ value: 'plain', name: 'colour' }, { value: 'hunter2', name: 'password' }, masker());
    expect(operations).to.have.deep.members([
      { op: 'replace', path: '/value', value: MASK, old: 'plain' },
      { op: 'replace', path: '/name', value: 'password', old: 'colour' },
    ]);
  });

  it('an unchanged secret is no change; null and booleans under sensitive keys stay readable', () => {
    expect(diff({ password: 'same', x: 1 }, { password: 'same', x: 1 }, masker()).changed).to.equal(false);
    const { operations } = diff(
      { password_changed: false, token: null },
      { password_changed: true, token: 'now' },
      masker(),
    );
    expect(operations).to.have.deep.members([
      { op: 'replace', path: '/password_changed', value: true, old: false },
      { op: 'replace', path: '/token', value: MASK, old: null },
    ]);
  });

  it("configureMasking's fields and a context's own masker apply", () => {
    configureMasking({ fields: ['internal_note'] });
    expect(diff({ internal_note: 'a' }, { internal_note: 'b' }, getMasker()).operations[0]).to.include({
      value: MASK,
      old: MASK,
    });
    const own = new FieldMasker(['colour']);
    expect(
      diff({ colour: 'red', password: 'x' }, { colour: 'blue', password: 'y' }, own).operations,
    ).to.have.deep.members([
      { op: 'replace', path: '/colour', value: MASK, old: MASK },
      { op: 'replace', path: '/password', value: 'y', old: 'x' },
    ]);
  });

  it('no secret reaches the patch, whatever the placeholders', () => {
    const before = { password: 'alpha-secret', nested: { deep: { secret: 'beta-secret' } }, keep: 1 };
    const after = { password: 'gamma-secret', nested: { deep: { secret: 'delta-secret' } }, keep: 2 };
    const text = JSON.stringify(diff(before, after, masker()));
    for (const s of ['alpha', 'beta', 'gamma', 'delta', '\\u0000']) expect(text).not.to.include(s);
  });

  it('without a masker (maskContent: false) values are stored as given', () => {
    expect(diff({ password: 'a' }, { password: 'b' }).operations).to.deep.equal([
      { op: 'replace', path: '/password', value: 'b', old: 'a' },
    ]);
  });
});

describe('change events: non-JSON and hostile input', () => {
  it('Dates, bigint, Maps, Sets and class instances are converted as content is, before the diff', () => {
    class Money {
      constructor(cents) {
        this.cents = cents;
      }
      toJSON() {
        return `${this.cents / 100} CHF`;
      }
    }
    class Row {
      constructor(status) {
        this.status = status;
      }
    }
    const before = {
      at: new Date(0),
      big: 10n,
      map: new Map([['k', 1]]),
      set: new Set([1]),
      price: new Money(100),
      row: new Row('a'),
    };
    const after = {
      at: new Date(1000),
      big: 11n,
      map: new Map([['k', 2]]),
      set: new Set([1, 2]),
      price: new Money(250),
      row: new Row('b'),
    };
    const { operations } = diff(before, after);
    expect(operations).to.have.deep.members([
      { op: 'replace', path: '/at', value: '1970-01-01T00:00:01.000Z', old: '1970-01-01T00:00:00.000Z' },
      { op: 'replace', path: '/big', value: '11', old: '10' },
      { op: 'replace', path: '/map/k', value: 2, old: 1 },
      { op: 'add', path: '/set/-', value: 2 },
      { op: 'replace', path: '/price', value: '2.5 CHF', old: '1 CHF' },
      { op: 'replace', path: '/row/status', value: 'b', old: 'a' },
    ]);
  });

  it('a cycle is NotJsonSerializableError naming before/after; non-objects are InvalidEventError', () => {
    const loop = { a: 1 };
    loop.self = loop;
    expect(() => diff({ a: 1 }, loop)).to.throw(NotJsonSerializableError, /after/);
    expect(() => diff(loop, { a: 1 })).to.throw(NotJsonSerializableError, /before/);
    for (const bad of [null, undefined, 'x', 3, [1, 2]]) {
      expect(() => diff(bad, { a: 1 })).to.throw(InvalidEventError, /before must be an object/);
      expect(() => diff({ a: 1 }, bad)).to.throw(InvalidEventError, /after must be an object/);
    }
  });

  it('a cycle or a throwing toJSON under a sensitive key is masked, not an error (as content)', () => {
    const loop = {};
    loop.self = loop;
    const throwing = {
      toJSON() {
        throw new Error('boom');
      },
    };
    const { operations } = diff({ secret: 'x', token: 1 }, { secret: loop, token: throwing }, getMasker());
    expect(operations).to.have.deep.members([
      { op: 'replace', path: '/secret', value: MASK, old: MASK },
      { op: 'replace', path: '/token', value: MASK, old: MASK },
    ]);
  });

  it('nesting deeper than content keeps (31 levels) is clamped on both sides, not a stack overflow', () => {
    const deep = (n, leaf) => {
      let v = leaf;
      for (let i = 0; i < n; i++) v = { d: v };
      return v;
    };
    const result = diff(deep(100_000, 1), deep(100_000, 2));
    expect(result.changed).to.equal(false); // the difference sits below the clamp, as in stored content
    const shallow = diff(deep(10, 1), deep(10, 2));
    expect(shallow.operations).to.have.length(1);
    expect(shallow.operations[0]).to.include({ op: 'replace', value: 2, old: 1 });
  });

  it('more than MAX_CHANGE_OPERATIONS operations: the first ones stored, the total recorded', () => {
    const before = {};
    const after = {};
    for (let i = 0; i < MAX_CHANGE_OPERATIONS + 50; i++) {
      before[`f${i}`] = i;
      after[`f${i}`] = i + 1;
    }
    const { operations, truncated } = diff(before, after);
    expect(operations).to.have.length(MAX_CHANGE_OPERATIONS);
    expect(truncated).to.deep.equal({
      totalOperations: MAX_CHANGE_OPERATIONS + 50,
      storedOperations: MAX_CHANGE_OPERATIONS,
      coarse: false,
      inputTooLarge: false,
    });
  });

  it('a snapshot over MAX_CHANGE_INPUT_BYTES is not diffed: empty changes, inputTooLarge, counted as changed', () => {
    const big = { blob: 'x'.repeat(MAX_CHANGE_INPUT_BYTES + 10) };
    const result = diff({ blob: 'y' }, big);
    expect(result).to.deep.equal({
      operations: [],
      truncated: { totalOperations: 0, storedOperations: 0, coarse: false, inputTooLarge: true },
      changed: true,
    });
  });

  it('large arrays are replaced whole (exact, bounded), small ones diffed item by item', () => {
    const long = Array.from({ length: 5000 }, (_, i) => i);
    const { operations } = diff({ ids: long }, { ids: [...long, 5000] });
    expect(operations).to.deep.equal([{ op: 'replace', path: '/ids', value: [...long, 5000], old: long }]);
    expect(diff({ ids: long }, { ids: [...long] }).changed).to.equal(false);
    const short = ['a', 'b', 'c'];
    expect(diff({ tags: short }, { tags: ['a', 'c'] }).operations).to.deep.equal([
      { op: 'remove', path: '/tags/1', old: 'b' },
    ]);
  });

  it('many arrays past the work budget fall back to a coarse patch, recorded as coarse', () => {
    // 200 fields, each a pair of different 25-item arrays: each fine to diff, all together too much.
    const before = {};
    const after = {};
    for (let f = 0; f < 200; f++) {
      before[`list${f}`] = Array.from({ length: 25 }, (_, i) => i);
      after[`list${f}`] = Array.from({ length: 25 }, (_, i) => i + 1000);
    }
    before.other = 1;
    after.other = 2;
    const { operations, truncated } = diff(before, after);
    expect(truncated).to.deep.equal({
      totalOperations: 201,
      storedOperations: MAX_CHANGE_OPERATIONS,
      coarse: true,
      inputTooLarge: false,
    });
    expect(operations[0]).to.deep.equal({ op: 'replace', path: '/list0', value: after.list0, old: before.list0 });
    expect(operations.every((op) => op.op === 'replace' && !op.path.slice(1).includes('/'))).to.equal(true);
  });

  it('nested small arrays (where rfc6902 re-diffs subtrees at every level) end in a coarse patch, not a hang', () => {
    const nest = (depth, leaf) => (depth === 0 ? leaf : [nest(depth - 1, leaf), nest(depth - 1, leaf + 1)]);
    const before = { x: nest(14, 0), y: 1 };
    const after = { x: nest(14, 1), y: 1 };
    const { operations, truncated } = diff(before, after);
    expect(truncated).to.include({ coarse: true });
    expect(operations).to.deep.equal([{ op: 'replace', path: '/x', value: after.x, old: before.x }]);
  });

  it('arrays of arrays are bounded too: nested arrays compared whole when the outer one is large', () => {
    const grid = (v) =>
      Array.from({ length: 100 }, (_, i) => Array.from({ length: 100 }, (_, j) => ((i * j) % 7 === 0 ? v : i + j)));
    const before = { grid: grid(0), other: 1 };
    const after = { grid: grid(1), other: 2 };
    const { operations, truncated } = diff(before, after);
    expect(truncated).to.equal(null);
    expect(operations).to.have.deep.members([
      { op: 'replace', path: '/grid', value: after.grid, old: before.grid },
      { op: 'replace', path: '/other', value: 2, old: 1 },
    ]);
    expect(applied(before, operations)).to.deep.equal(after);
  });

  it('the same huge secret under thousands of keys costs one comparison budget, not one each', () => {
    const huge = { blob: 'z'.repeat(200_000) };
    const before = {};
    const after = {};
    for (let i = 0; i < 3000; i++) {
      before[`secret${i}`] = huge;
      after[`secret${i}`] = { ...huge };
    }
    after.secret0 = { blob: 'changed' };
    const { operations, truncated } = diff(before, after, getMasker());
    // Past the comparison budget a masked value counts as changed (masked on both sides): a
    // false "changed" at worst, never a missed change, and nothing leaked.
    expect(operations.every((op) => op.op === 'replace' && op.value === MASK && op.old === MASK)).to.equal(true);
    expect(operations.map((op) => op.path)).to.include('/secret0');
    expect(truncated.storedOperations).to.equal(MAX_CHANGE_OPERATIONS);
  });
});

describe('change events: ctx.createChangeEvent', () => {
  let store;
  beforeEach(() => {
    store = new MemoryEventStore();
  });
  afterEach(() => configureMasking());

  it('outside a request (blank context): stores the patch under content.changes, with extra content', async () => {
    const ctx = AuditContext.blank({ store });
    const event = await ctx.createChangeEvent(
      order,
      { status: 'new', password: 'a' },
      { status: 'paid', password: 'b' },
      { note: 'by job' },
    );
    expect(event.contentType).to.equal('order');
    expect(event.objectId).to.equal('7');
    expect(event.content).to.deep.equal({
      note: 'by job',
      [CHANGES_KEY]: [
        { op: 'replace', path: '/status', value: 'paid', old: 'new' },
        { op: 'replace', path: '/password', value: MASK, old: MASK },
      ],
    });
    expect(store.all()).to.have.length(1);
    expect(store.all()[0].content).to.deep.equal(event.content);
  });

  it('nothing changed: resolves to null and stores nothing; { always: true } stores an empty patch', async () => {
    const ctx = AuditContext.blank({ store });
    expect(await ctx.createChangeEvent(order, { a: 1 }, { a: 1 })).to.equal(null);
    expect(store.size).to.equal(0);
    const event = await ctx.createChangeEvent(order, { a: 1 }, { a: 1 }, undefined, { always: true });
    expect(event.content).to.deep.equal({ [CHANGES_KEY]: [] });
    expect(store.size).to.equal(1);
  });

  it('{ maskContent: false } stores raw values; the context masker applies otherwise', async () => {
    const raw = await AuditContext.blank({ store }).createChangeEvent(
      order,
      { token: 'a' },
      { token: 'b' },
      undefined,
      { maskContent: false },
    );
    expect(raw.content[CHANGES_KEY]).to.deep.equal([{ op: 'replace', path: '/token', value: 'b', old: 'a' }]);
    const own = AuditContext.blank({ store, masker: new FieldMasker(['colour']) });
    const masked = await own.createChangeEvent(order, { colour: 'red' }, { colour: 'blue' });
    expect(masked.content[CHANGES_KEY]).to.deep.equal([{ op: 'replace', path: '/colour', value: MASK, old: MASK }]);
  });

  it('a truncated patch records changesTruncated', async () => {
    const before = {};
    const after = {};
    for (let i = 0; i < MAX_CHANGE_OPERATIONS + 1; i++) after[`f${i}`] = i;
    const event = await AuditContext.blank({ store }).createChangeEvent(order, before, after);
    expect(event.content[CHANGES_KEY]).to.have.length(MAX_CHANGE_OPERATIONS);
    expect(event.content[CHANGES_TRUNCATED_KEY]).to.deep.include({
      totalOperations: MAX_CHANGE_OPERATIONS + 1,
      storedOperations: MAX_CHANGE_OPERATIONS,
    });
  });

  it('the patch wins over extraData under the same key; content may not set it', async () => {
    const ctx = AuditContext.blank({ store, extraData: { changes: 'from extraData', app: 'shop' } });
    const event = await ctx.createChangeEvent(order, { a: 1 }, { a: 2 });
    expect(event.content).to.deep.equal({ app: 'shop', changes: [{ op: 'replace', path: '/a', value: 2, old: 1 }] });
    for (const key of [CHANGES_KEY, CHANGES_TRUNCATED_KEY]) {
      let caught;
      await ctx.createChangeEvent(order, { a: 1 }, { a: 2 }, { [key]: 'x' }).catch((err) => (caught = err));
      expect(caught).to.be.instanceOf(InvalidEventError);
      expect(caught.message).to.include(key);
    }
  });

  it('action defaults to <contentType>.updated; options set action, outcome, reason and tenantId', async () => {
    const ctx = AuditContext.blank({ store });
    const plain = await ctx.createChangeEvent(order, { a: 1 }, { a: 2 });
    expect(plain).to.include({ action: 'order.updated', outcome: 'success', reason: null, tenantId: null });
    const given = await ctx.createChangeEvent(order, { a: 1 }, { a: 2 }, undefined, {
      action: 'order.repriced',
      outcome: 'failure',
      reason: 'payment provider refused',
      tenantId: 'acme',
    });
    expect(given).to.include({
      action: 'order.repriced',
      outcome: 'failure',
      reason: 'payment provider refused',
      tenantId: 'acme',
    });
    expect((await ctx.createChangeEvent(order, { a: 1 }, { a: 2 }, undefined, { action: null })).action).to.equal(null);
    // A content type too long for `<type>.updated` (actions are at most 200 characters) leaves it null.
    const long = await ctx.createChangeEvent({ type: 't'.repeat(250), id: 1 }, { a: 1 }, { a: 2 });
    expect(long.action).to.equal(null);
    expect(store.all().map((e) => e.action)).to.deep.equal(['order.updated', 'order.repriced', null, null]);
  });

  it("the context's tenant is the event's unless the options name another", async () => {
    const ctx = new AuditContext({ store, tenantId: 'tenant-a' });
    expect((await ctx.createChangeEvent(order, { a: 1 }, { a: 2 })).tenantId).to.equal('tenant-a');
    expect(
      (await ctx.createChangeEvent(order, { a: 1 }, { a: 2 }, undefined, { tenantId: 'tenant-b' })).tenantId,
    ).to.equal('tenant-b');
  });

  it('bad input is a rejected promise with a typed error, before any write', async () => {
    const ctx = AuditContext.blank({ store });
    const cases = [
      [() => ctx.createChangeEvent(undefined, { a: 1 }, { a: 2 }), NoContentObjectError],
      [() => ctx.createChangeEvent(order, 'x', { a: 2 }), InvalidEventError],
      [() => ctx.createChangeEvent(order, { a: 1 }, { a: 2 }, 'content'), InvalidEventError],
      [() => ctx.createChangeEvent(order, { a: 1 }, { a: 2 }, undefined, { always: 'yes' }), InvalidEventError],
      [() => ctx.createChangeEvent(order, { a: 1 }, { a: 2 }, undefined, { alwayz: true }), InvalidEventError],
      [() => ctx.createChangeEvent(order, { a: 1 }, { a: 2 }, undefined, []), InvalidEventError],
      [() => ctx.createChangeEvent(order, { a: 1 }, { a: 2 }, undefined, { outcome: 'maybe' }), InvalidEventError],
      [
        () => ctx.createChangeEvent(order, { a: 1 }, { a: 2 }, undefined, { action: 'x'.repeat(201) }),
        InvalidEventError,
      ],
      [() => ctx.createChangeEvent(order, { a: 1 }, { a: 2 }, undefined, { tenantId: 7 }), InvalidEventError],
    ];
    for (const [call, type] of cases) {
      let caught;
      const promise = call();
      expect(promise).to.be.instanceOf(Promise);
      await promise.catch((err) => (caught = err));
      expect(caught).to.be.instanceOf(type);
    }
    expect(store.size).to.equal(0);
  });
});
