/**
 * Everything in the report that came from the log (user names, manager names, URLs, content)
 * passes through one of these: a user named `<script>…` is shown as text, never run.
 */

const HTML: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for element content and for quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => HTML[c] ?? c);
}

/**
 * JSON for a `<script type="application/json">` island: `<`, `>` and `&` as \u escapes, so no
 * value can close the script element (`</script>`) or open a comment (`<!--`); U+2028/2029 too,
 * for tools that still treat the text as JavaScript. JSON.parse reads it back unchanged.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
