// newEventId(now): UUID version 7 with a 12-bit counter (RFC 9562 method 1). The counter holds
// 4096 ids per millisecond; the 4097th borrows the next millisecond so ids stay strictly increasing.
import assert from 'node:assert/strict';
import { isEventId, newEventId } from '@audit-events/core';
import { eventIdTime } from '@audit-events/core/internal';

/** The 12-bit counter in rand_a (the 3 hex digits after the version nibble). */
function counterOf(id) {
  return parseInt(id.slice(15, 18), 16);
}

describe('newEventId (UUIDv7, monotonic counter)', () => {
  // Far in the future of any id other tests made in this process, so the counter starts at 0.
  const base = Date.UTC(2200, 0, 1);

  it('writes version 7 and the RFC 4122 variant, and encodes the millisecond given', () => {
    const id = newEventId(base);
    assert.ok(isEventId(id));
    assert.equal(id[14], '7');
    assert.ok('89ab'.includes(id[19]));
    assert.equal(eventIdTime(id), base);
    assert.equal(counterOf(id), 0);
  });

  it('4096 ids in one millisecond use counters 0..4095, the 4097th borrows the next millisecond', () => {
    const ms = base + 10;
    const ids = [];
    for (let i = 0; i < 4097; i++) ids.push(newEventId(ms));
    for (let i = 0; i < 4096; i++) {
      assert.equal(eventIdTime(ids[i]), ms, `id ${i}`);
      assert.equal(counterOf(ids[i]), i, `id ${i}`);
    }
    assert.equal(eventIdTime(ids[4096]), ms + 1);
    assert.equal(counterOf(ids[4096]), 0);
    for (let i = 1; i < ids.length; i++) assert.ok(ids[i - 1] < ids[i], `ids ${i - 1} and ${i} out of order`);
  });

  it('stays monotonic when the clock goes backwards, and restarts the counter when it moves on', () => {
    const ms = base + 100;
    const a = newEventId(ms);
    const b = newEventId(ms - 50); // clock stepped back
    assert.ok(a < b);
    assert.equal(eventIdTime(b), ms);
    assert.equal(counterOf(b), counterOf(a) + 1);
    const c = newEventId(ms + 1);
    assert.equal(eventIdTime(c), ms + 1);
    assert.equal(counterOf(c), 0);
    assert.ok(b < c);
  });

  it('after a borrowed millisecond, an id for that real millisecond continues its counter', () => {
    const ms = base + 200;
    for (let i = 0; i < 4097; i++) newEventId(ms); // the last one is at ms + 1, counter 0
    const next = newEventId(ms + 1);
    assert.equal(eventIdTime(next), ms + 1);
    assert.equal(counterOf(next), 1);
  });

  it('the random tail differs between ids of one millisecond', () => {
    const ms = base + 300;
    const tails = new Set();
    for (let i = 0; i < 100; i++) tails.add(newEventId(ms).slice(19));
    assert.equal(tails.size, 100);
  });
});
