import { isAlwaysMaskedHeader, MASK, type FieldMasker } from '../masking/mask.js';
import { isSecretString } from '../masking/secret-values.js';

const MAX_HEADER_VALUE = 1024;

/**
 * Picks the listed headers (case-insensitive) and stores them under their lower-case names, as
 * Node.js and HTTP/2 spell them, whatever the case of the configuration or the client: JSON
 * queries by key (`headers->>'x-team'`) then find them. Skips empty ones and masks credentials:
 * authorization, cookies, identity-proxy assertions (`X-Goog-Iap-Jwt-Assertion`, `*-Hmac-*`), any
 * header whose name is sensitive (`X-Api-Key`) and any value that looks like a secret (a JWT,
 * `Bearer …`) never leave in clear.
 */
export function pickHeaders(
  headers: Record<string, string | string[] | undefined>,
  include: readonly string[],
  masker: FieldMasker,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const wanted of include) {
    const name = wanted.toLowerCase();
    const raw = headers[name];
    if (raw === undefined) continue;
    let value = Array.isArray(raw) ? raw.join(', ') : String(raw);
    if (value.length === 0) continue;
    if (isAlwaysMaskedHeader(name) || masker.isSensitive(name) || isSecretString(value)) value = MASK;
    else if (value.length > MAX_HEADER_VALUE) value = value.slice(0, MAX_HEADER_VALUE) + '…[truncated]';
    out[name] = value;
  }
  return out;
}
