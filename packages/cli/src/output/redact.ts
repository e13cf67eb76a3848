/** What replaces a password in anything the CLI prints. */
export const MASKED = '****';

// Where a password may start: `scheme://user:` (the user name holds none of `:@/?#`).
const CREDENTIALS_START = /[a-z][a-z0-9+.-]*:\/\/[^\s:@/?#"'<>`]*:/gi;
// Where a URL ends inside a line of text: whitespace, or a quote or bracket around it (JSON
// output is one line without spaces, so a quote must end it, or an `@` further on would count).
const TOKEN_END = /[\s"'<>`]/;
const PORT = /^\d{1,5}$/;

/**
 * `scheme://user:password@…` anywhere in a text, with everything from after `user:` to the LAST
 * `@` of the URL masked: a password may hold raw `/ @ : % # ?`, so the first delimiter proves
 * nothing. Without any `@`, the text up to the path is masked unless it is a numeric port.
 */
export function maskUrlCredentials(text: string): string {
  let out = '';
  let from = 0;
  CREDENTIALS_START.lastIndex = 0;
  for (let match = CREDENTIALS_START.exec(text); match !== null; match = CREDENTIALS_START.exec(text)) {
    const start = match.index + match[0].length;
    const rest = text.slice(start);
    const tokenLength = rest.search(TOKEN_END);
    const token = tokenLength === -1 ? rest : rest.slice(0, tokenLength);
    const at = token.lastIndexOf('@');
    let end: number;
    if (at !== -1) end = start + at;
    else {
      const authority = token.split(/[/?#]/, 1)[0] ?? '';
      end = PORT.test(authority) || authority === '' ? start : start + authority.length;
    }
    out += text.slice(from, start) + (end > start ? MASKED : '');
    from = end;
    CREDENTIALS_START.lastIndex = Math.max(end, start);
  }
  return out + text.slice(from);
}

/**
 * Removes known secrets from text before it is printed. Every password the CLI learns (from a
 * URL, a config file) is registered here, and every line written to stdout or stderr, including
 * driver error messages we do not control, passes through `redact`.
 */
export class Redactor {
  readonly #secrets = new Set<string>();

  add(secret: unknown): void {
    if (typeof secret !== 'string' || secret.length === 0) return;
    this.#secrets.add(secret);
    // Drivers and URLs may echo the percent-encoded form; --json output the JSON-escaped one.
    this.#secrets.add(encodeURIComponent(secret));
    this.#secrets.add(JSON.stringify(secret).slice(1, -1));
  }

  redact(text: string): string {
    let out = maskUrlCredentials(text);
    // Longest first, so a secret containing another is masked whole.
    const secrets = [...this.#secrets].sort((a, b) => b.length - a.length);
    for (const secret of secrets) out = out.split(secret).join(MASKED);
    return out;
  }
}
