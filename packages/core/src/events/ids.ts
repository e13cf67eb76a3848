import { randomFillSync } from 'node:crypto';

// UUID version 7: 48-bit millisecond timestamp, then random bits. Within one process ids are
// strictly increasing (a 12-bit counter in rand_a, RFC 9562 method 1), so they sort by creation.
const pool = Buffer.alloc(8 * 512);
let poolOffset = pool.length;
let lastMs = -1;
let counter = 0;

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'));

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
  const r = random8(); // rand_b: the variant bits, then 62 random bits
  // Written out byte by byte: no intermediate arrays on a path taken once per event.
  const high = Math.floor(ms / 2 ** 32);
  return (
    HEX[(high >>> 8) & 0xff]! +
    HEX[high & 0xff]! +
    HEX[(ms >>> 24) & 0xff]! +
    HEX[(ms >>> 16) & 0xff]! +
    '-' +
    HEX[(ms >>> 8) & 0xff]! +
    HEX[ms & 0xff]! +
    '-' +
    HEX[0x70 | ((counter >>> 8) & 0x0f)]! +
    HEX[counter & 0xff]! +
    '-' +
    HEX[0x80 | (pool[r]! & 0x3f)]! +
    HEX[pool[r + 1]!]! +
    '-' +
    HEX[pool[r + 2]!]! +
    HEX[pool[r + 3]!]! +
    HEX[pool[r + 4]!]! +
    HEX[pool[r + 5]!]! +
    HEX[pool[r + 6]!]! +
    HEX[pool[r + 7]!]!
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
