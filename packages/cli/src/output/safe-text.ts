/**
 * Text from the database (chain ids, user names, URLs) printed to a terminal or a CSV file.
 * C0/C1 controls (ESC starts terminal escape sequences), DEL, the bidi controls (embeddings,
 * overrides, isolates, LRM/RLM/ALM) and the line/paragraph separators could repaint the
 * terminal, reorder what is shown or forge extra lines: each is written as `\uXXXX` instead.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function safeText(value: string): string {
  return value.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * The same, keeping tab, CR and LF: for CSV fields (quoted when they hold CR/LF) and, as a last
 * line of defence, for everything the CLI writes (JSON.stringify leaves bidi controls and U+2028
 * raw; an error message may quote a value from the database).
 */
const UNSAFE_KEEPING_LAYOUT =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function safeLayoutText(value: string): string {
  return value.replace(UNSAFE_KEEPING_LAYOUT, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
