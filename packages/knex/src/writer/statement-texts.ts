/**
 * The SQL texts of multi-row INSERTs, built once per shape and row count and handed out again as
 * the same string. A driver's prepared-statement cache is keyed by the text: a text rebuilt for
 * every batch is a new string of kilobytes of placeholders that V8 must hash and compare against
 * the cached one (~40 µs a batch on Node 20 here), where the same string is found by identity.
 */

/** Most characters kept across all texts; past it everything is dropped and rebuilt on demand. */
const MAX_KEPT_CHARS = 4_000_000;

/** Texts by head and tail (one statement shape), then by row count. */
const texts = new Map<string, Map<number, string>>();
let keptChars = 0;

/** `head` followed by `rows` copies of `tuple` joined by `, `, then `tail`: the same string each time. */
export function statementText(head: string, tuple: string, tail: string, rows: number): string {
  const shape = tail === '' ? head : head + tail;
  let byRows = texts.get(shape);
  let text = byRows?.get(rows);
  if (text !== undefined) return text;
  text = head + Array<string>(rows).fill(tuple).join(', ') + tail;
  if (keptChars + text.length > MAX_KEPT_CHARS) {
    texts.clear();
    keptChars = 0;
    byRows = undefined;
  }
  if (text.length > MAX_KEPT_CHARS) return text;
  if (byRows === undefined) {
    byRows = new Map();
    texts.set(shape, byRows);
  }
  byRows.set(rows, text);
  keptChars += text.length;
  return text;
}

/** For tests: how many texts are kept, and their characters. */
export function keptStatementTexts(): { texts: number; chars: number } {
  let count = 0;
  for (const byRows of texts.values()) count += byRows.size;
  return { texts: count, chars: keptChars };
}
