/** What replaces a password in anything the CLI prints. */
export const MASKED = '****';

// `scheme://user:password@` anywhere in a text: the password part goes, whatever produced the text.
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:)[^\s@/]*@/gi;

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
    // Drivers and URLs may echo the percent-encoded form.
    this.#secrets.add(encodeURIComponent(secret));
  }

  redact(text: string): string {
    let out = text.replace(URL_CREDENTIALS, `$1${MASKED}@`);
    // Longest first, so a secret containing another is masked whole.
    const secrets = [...this.#secrets].sort((a, b) => b.length - a.length);
    for (const secret of secrets) out = out.split(secret).join(MASKED);
    return out;
  }
}
