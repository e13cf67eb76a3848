import { MASK } from './marker.js';
import type { FieldMasker } from './mask.js';
import { isCardNumber, isJwt, isSecretString } from './secret-values.js';

/**
 * Masks secrets inside free text such as an event's `reason` ("token eyJ… expired", "card
 * 4111 1111 1111 1111 declined", "password=hunter2 rejected"): the same rules as JSON values
 * (JWT, `Bearer`/`Basic` credentials, Luhn-valid card numbers) applied to the words of the text,
 * and `name=value` / `name: value` pairs whose name the masker finds sensitive. Input is bounded
 * by its callers (MAX_REASON_LENGTH), and every pattern below is linear in it.
 */
export function maskFreeText(text: string, masker: FieldMasker): string {
  if (isSecretString(text)) return MASK;
  return text
    .replace(CREDENTIAL, (_match, scheme: string) => `${scheme} ${MASK}`)
    .replace(CARD_CANDIDATE, (match) => (isCardNumber(match) ? MASK : match))
    .replace(TOKEN, (match: string, token: string, dots: string) => (isJwt(token) ? MASK + dots : match))
    .replace(PAIR, (match, name: string, separator: string) =>
      masker.isSensitive(name) ? `${name}${separator}${MASK}` : match,
    );
}

/** `Bearer abcdefgh…` / `Basic dXNlcjpwYXNz`: the scheme stays (it says what was there), the token goes. */
const CREDENTIAL = /\b(Bearer|Basic)[ \t]+[A-Za-z0-9\-._~+/]{8,}=*/gi;
/** 13–19 digits, grouped by single spaces or hyphens; isCardNumber decides (first digit, Luhn). */
const CARD_CANDIDATE = /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g;
/** A JWT-shaped run of base64url characters and dots; trailing dots end the sentence, not the token. */
const TOKEN = /(eyJ[A-Za-z0-9\-_.=]*?[A-Za-z0-9\-_=])(\.*)(?![A-Za-z0-9\-_.=])/g;
/** `password=…`, `api_key: …`, `"secret": "…"`: a quoted value or one run without blanks. */
const PAIR = /([A-Za-z_][\w.[\]-]{0,63})("?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s,;&]+)/g;
