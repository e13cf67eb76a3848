import { randomFillSync } from 'node:crypto';

// UUID version 7: 48-bit millisecond timestamp, then random bits. Within one process ids are
// strictly increasing (a 12-bit counter in rand_a, RFC 9562 method 1), so they sort by creation.
const pool = Buffer.alloc(8 * 512);
let poolOffset = pool.length;
let lastMs = -1;
let counter = 0;

/** Character codes of the hex digits, by value. */
const HEX = new Uint8Array(16);
for (let i = 0; i < 16; i++) HEX[i] = '0123456789abcdef'.charCodeAt(i);
const DASH = 0x2d;

/** Offset of 8 fresh random bytes in `pool` (read in place: a subarray per id costs more than the id). */
function random8(): number {
  if (poolOffset >= pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const offset = poolOffset;
  poolOffset += 8;
  return offset;
}

export function newEventId(now: number = Date.now()): string {
  const ms = advance(now);
  return uuidV7(ms, counter, random8());
}

/** An id's place in this process's order, taken before the id is made (see claimIdSlot). */
export interface IdSlot {
  idMs: number;
  idSeq: number;
}

/**
 * Takes the next place in the order of ids (`now`, or the last id's millisecond and the next
 * counter) into `slot`, for idInSlot() to make that id later: a request's id is made only when
 * read, yet carries its arrival and sorts where it arrived, exactly as if made then.
 */
export function claimIdSlot(slot: IdSlot, now: number = Date.now()): void {
  slot.idMs = advance(now);
  slot.idSeq = counter;
}

/** The id of a slot taken by claimIdSlot() (a new random part each call: call it once). */
export function idInSlot(slot: IdSlot): string {
  return uuidV7(slot.idMs, slot.idSeq, random8());
}

/** The next id's millisecond (the counter is left in `counter`): strictly after the last id's. */
function advance(now: number): number {
  let ms = now;
  if (ms <= lastMs) {
    ms = lastMs;
    counter++;
    if (counter > 0xfff) {
      // 4096 ids in one millisecond: borrow the next millisecond to stay monotonic.
      ms = lastMs + 1;
      counter = 0;
    }
  } else {
    counter = 0;
  }
  lastMs = ms;
  return ms;
}

/** The id's 36 characters: `ms`, the 12-bit counter as rand_a, the variant and 62 random bits from pool[r…r+7]. */
function uuidV7(ms: number, randA: number, r: number): string {
  const high = Math.floor(ms / 2 ** 32); // the top 16 of the 48 timestamp bits
  const low = ms >>> 0;
  const variant = 0x80 | (pool[r]! & 0x3f);
  // One call with the 36 character codes: V8 allocates the flat string once, where concatenating
  // two-digit pieces builds a rope of cons strings per id (see docs/performance.md).
  return String.fromCharCode(
    HEX[(high >>> 12) & 15]!,
    HEX[(high >>> 8) & 15]!,
    HEX[(high >>> 4) & 15]!,
    HEX[high & 15]!,
    HEX[low >>> 28]!,
    HEX[(low >>> 24) & 15]!,
    HEX[(low >>> 20) & 15]!,
    HEX[(low >>> 16) & 15]!,
    DASH,
    HEX[(low >>> 12) & 15]!,
    HEX[(low >>> 8) & 15]!,
    HEX[(low >>> 4) & 15]!,
    HEX[low & 15]!,
    DASH,
    HEX[7]!, // version 7
    HEX[(randA >>> 8) & 15]!,
    HEX[(randA >>> 4) & 15]!,
    HEX[randA & 15]!,
    DASH,
    HEX[variant >>> 4]!,
    HEX[variant & 15]!,
    HEX[pool[r + 1]! >>> 4]!,
    HEX[pool[r + 1]! & 15]!,
    DASH,
    HEX[pool[r + 2]! >>> 4]!,
    HEX[pool[r + 2]! & 15]!,
    HEX[pool[r + 3]! >>> 4]!,
    HEX[pool[r + 3]! & 15]!,
    HEX[pool[r + 4]! >>> 4]!,
    HEX[pool[r + 4]! & 15]!,
    HEX[pool[r + 5]! >>> 4]!,
    HEX[pool[r + 5]! & 15]!,
    HEX[pool[r + 6]! >>> 4]!,
    HEX[pool[r + 6]! & 15]!,
    HEX[pool[r + 7]! >>> 4]!,
    HEX[pool[r + 7]! & 15]!,
  );
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isEventId(value: unknown): value is string {
  return typeof value === 'string' && UUID_RE.test(value);
}

/** The millisecond timestamp encoded in a version 7 id. */
export function eventIdTime(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
