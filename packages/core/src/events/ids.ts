import { randomFillSync } from 'node:crypto';

// UUID version 7: 48-bit millisecond timestamp, then random bits. Within one process ids are
// strictly increasing (a 12-bit counter in rand_a, RFC 9562 method 1), so they sort by creation.
const pool = Buffer.alloc(16 * 256);
let poolOffset = pool.length;
let lastMs = -1;
let counter = 0;

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'));

function random16(): Buffer {
  if (poolOffset >= pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const slice = pool.subarray(poolOffset, poolOffset + 16);
  poolOffset += 16;
  return slice;
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
  const b = random16();
  const bytes = [
    Math.floor(ms / 2 ** 40) & 0xff,
    Math.floor(ms / 2 ** 32) & 0xff,
    (ms >>> 24) & 0xff,
    (ms >>> 16) & 0xff,
    (ms >>> 8) & 0xff,
    ms & 0xff,
    0x70 | ((counter >>> 8) & 0x0f),
    counter & 0xff,
    0x80 | ((b[8] as number) & 0x3f),
    b[9] as number,
    b[10] as number,
    b[11] as number,
    b[12] as number,
    b[13] as number,
    b[14] as number,
    b[15] as number,
  ];
  const h = bytes.map((x) => HEX[x] as string);
  return (
    h[0]! + h[1]! + h[2]! + h[3]! + '-' + h[4]! + h[5]! + '-' + h[6]! + h[7]! + '-' +
    h[8]! + h[9]! + '-' + h[10]! + h[11]! + h[12]! + h[13]! + h[14]! + h[15]!
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
