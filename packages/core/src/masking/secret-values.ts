/**
 * Values that are secrets whatever key they sit under: a JWT, an `Authorization`-style credential
 * (`Bearer …`, `Basic …`) and a payment card number (13–19 digits, first digit 2–6, Luhn-valid).
 * Checks are character scans with early exits, linear in the value's length: they run on every
 * string of every captured body.
 */

/** Longest value examined; longer strings are not tokens, card numbers or JWTs worth a scan. */
const MAX_EXAMINED = 16 * 1024;

export function isSecretValue(value: unknown): boolean {
  if (typeof value === 'string') return isSecretString(value);
  // A card number sent as a JSON number; beyond 2^53 digits are already lost, so not a concern.
  if (typeof value === 'number') return value >= 1e12 && Number.isSafeInteger(value) && isCardNumber(String(value));
  return false;
}

export function isSecretString(value: string): boolean {
  const n = value.length;
  if (n < 13 || n > MAX_EXAMINED) return false;
  const first = value.charCodeAt(0);
  if (first >= 48 && first <= 57) return n <= 23 && isCardNumber(value);
  if (first === 101 /* e */) return isJwt(value);
  if (first === 66 || first === 98 /* B b */) return isAuthorizationValue(value);
  if (first === 32 || first === 9) return isSecretString(value.trim());
  return false;
}

function isBase64UrlChar(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 95;
}

/** `eyJ…` header, then dot-separated base64url segments (JWS: 3, JWE: 5); `=` padding tolerated. */
export function isJwt(value: string): boolean {
  if (!value.startsWith('eyJ')) return false;
  let dots = 0;
  let end = value.length;
  while (end > 0 && value.charCodeAt(end - 1) === 61 /* = */) end--;
  for (let i = 3; i < end; i++) {
    const c = value.charCodeAt(i);
    if (c === 46 /* . */) dots++;
    else if (!isBase64UrlChar(c)) return false;
  }
  return dots === 2 || dots === 4;
}

const SCHEMES = ['bearer ', 'basic '];

/** `Bearer <token>` or `Basic <base64>`: the scheme word, blanks, then one token without blanks. */
export function isAuthorizationValue(value: string): boolean {
  const head = value.slice(0, 7).toLowerCase();
  const scheme = SCHEMES.find((s) => head.startsWith(s));
  if (scheme === undefined) return false;
  let i = scheme.length;
  while (i < value.length && value.charCodeAt(i) === 32) i++;
  const tokenStart = i;
  for (; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) break;
  }
  // Trailing blanks allowed, nothing else: "Bearer in mind that…" is prose, not a credential.
  for (let j = i; j < value.length; j++) {
    const c = value.charCodeAt(j);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return false;
  }
  return i - tokenStart >= 8;
}

/** 13–19 digits, optionally grouped by single spaces or hyphens, first digit 2–6, Luhn-valid. */
export function isCardNumber(value: string): boolean {
  let sum = 0;
  let digits = 0;
  let firstDigit = -1;
  // Luhn from the right: every second digit doubled.
  for (let i = value.length - 1; i >= 0; i--) {
    const c = value.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      let d = c - 48;
      if (digits % 2 === 1) {
        d *= 2;
        if (d > 9) d -= 9;
      }
      sum += d;
      digits++;
      firstDigit = c - 48;
    } else if (c === 32 || c === 45) {
      // A separator between two digits only.
      if (i === 0 || i === value.length - 1) return false;
      const prev = value.charCodeAt(i - 1);
      if (prev < 48 || prev > 57) return false;
    } else {
      return false;
    }
  }
  return digits >= 13 && digits <= 19 && firstDigit >= 2 && firstDigit <= 6 && sum % 10 === 0;
}
