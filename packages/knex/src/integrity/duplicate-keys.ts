/**
 * The first object key that occurs twice in one object of a JSON text, or undefined. JSON.parse
 * keeps the last value and so hashes like the row that was written, while SQLite's json_extract
 * and MariaDB's json_value read the FIRST: `{"amount":1000000,"amount":100}` would verify and be
 * reported as 1000000. Keys are compared decoded (`"a"` and `"\u0061"` are one key), per object
 * (the same key in a nested object is no duplicate). One linear pass over text that parsed.
 */
export function firstDuplicateKey(text: string): string | undefined {
  // One entry per open object (its keys) or array (null); the top of the stack is innermost.
  const stack: Array<Set<string> | null> = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const end = stringEnd(text, i);
      const keys = stack[stack.length - 1];
      if (expectKey && keys) {
        const key = decodeString(text.slice(i, end + 1));
        if (keys.has(key)) return key;
        keys.add(key);
        expectKey = false;
      }
      i = end;
    } else if (c === 0x7b /* { */) {
      stack.push(new Set());
      expectKey = true;
    } else if (c === 0x5b /* [ */) {
      stack.push(null);
      expectKey = false;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = stack[stack.length - 1] instanceof Set;
    }
  }
  return undefined;
}

/** Index of the quote closing the string literal opened at `start`. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c /* \ */) i++;
    else if (c === 0x22) return i;
  }
  return text.length - 1;
}

function decodeString(literal: string): string {
  try {
    return JSON.parse(literal) as string;
  } catch {
    return literal;
  }
}
