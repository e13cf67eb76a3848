// Masking gaps of issue 16 (item 8): the names that were not masked, look-alike spellings, name/value
// pairs, secret-looking values under innocuous keys, string bodies and identity-proxy headers;
// and the ordinary keys that must stay readable.
import { expect } from 'chai';
import { FieldMasker, MASK } from '@audit-events/core';
import { createRequestContext, pickHeaders, resolveOptions } from '@audit-events/core/internal';

const masker = new FieldMasker();

/** Every name the issue lists as leaking, as clients spell them. */
export const NEWLY_MASKED_KEYS = [
  'pass',
  'passphrase',
  'passcode',
  'credentials',
  'bearer',
  'jwt',
  'encryption_key',
  'signing_key',
  'hmac_key',
  'totp',
  'mfa_code',
  'code',
  'recovery_codes',
  'cvv2',
  'security_code',
  'iban',
  'account_number',
  'social_security_number',
  'sid',
  'csrf',
  'sig',
];

/** Ordinary keys that must stay readable (false positives the rules are designed to avoid). */
export const READABLE_KEYS = [
  'name',
  'description',
  'passenger',
  'compass',
  'code_review',
  'zip_code',
  'country_code',
  'postal_code',
  'status_code',
  'encoding',
  'shipping',
  'spinner',
  'opinion',
  'design',
  'signal',
  'position',
  'consider',
  'basic',
  'bypass',
  'passage',
  'sidebar',
  'signup',
  'ibanez',
  'title',
  'email',
  'total',
];

const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';

function contextFor(body, options = {}) {
  const snap = {
    method: 'POST',
    url: 'http://h.example/p',
    path: '/p',
    ip: '127.0.0.1',
    headers: {},
    query: () => ({}),
    body: () => body,
    user: () => undefined,
  };
  return createRequestContext(snap, resolveOptions({ includePostData: true, ...options }), {});
}

describe('masking gaps (issue 16, item 8)', () => {
  it('masks every name the issue lists, in body keys and as nested children', () => {
    for (const key of NEWLY_MASKED_KEYS) {
      expect(masker.isSensitive(key), key).to.equal(true);
      expect(masker.mask({ [key]: 'v', keep: 'k' }), key).to.deep.equal({ [key]: MASK, keep: 'k' });
    }
  });

  it('keeps ordinary keys readable: short names match whole words, `=code` only a whole key', () => {
    for (const key of READABLE_KEYS) expect(masker.isSensitive(key), key).to.equal(false);
    expect(
      masker.mask({ code: 'oauth-code', code_review: 'ok', oauth: { code: 'c2' }, 'oauth[code]': 'c3' }),
    ).to.deep.equal({
      code: MASK,
      code_review: 'ok',
      oauth: { code: MASK },
      'oauth[code]': MASK,
    });
  });

  it('normalises look-alike keys before matching: Cyrillic, Greek, fullwidth, long s, accents, zero-width', () => {
    for (const key of [
      'p\u0430ssword', // Cyrillic а
      '\u0440assword', // Cyrillic р
      'passw\u03bfrd', // Greek ο
      '\uff50\uff41\uff53\uff53\uff57\uff4f\uff52\uff44', // fullwidth
      'pa\u017fsword', // long s
      'pa\u0073\u0301sword', // s + combining acute
      'pass\u200bword', // zero-width space
      '\ud835\udc29\ud835\udc1a\ud835\udc2c\ud835\udc2c', // mathematical bold "pass"
      'T\u043eken', // Cyrillic о
      'api_k\u0435y', // Cyrillic е
    ]) {
      expect(masker.isSensitive(key), JSON.stringify(key)).to.equal(true);
    }
    expect(masker.isSensitive('n\u0430me')).to.equal(false); // folded to `name`: still readable
  });

  it('masks name/value pairs: [["password", …]] lists and { name, value } objects', () => {
    expect(
      masker.mask({
        fields: [
          ['password', 'p1'],
          ['user', 'ann'],
          ['api_key', 'k1', 'extra'],
        ],
        params: [
          { name: 'password', value: 'p2' },
          { name: 'user', value: 'ann' },
          { key: 'Authorization', value: 'a' },
          { field: 'cvv', val: '123' },
          { name: 'A very long label that happens to mention a password somewhere in its text', value: 3 },
        ],
      }),
    ).to.deep.equal({
      fields: [
        ['password', MASK],
        ['user', 'ann'],
        ['api_key', MASK, MASK],
      ],
      params: [
        { name: 'password', value: MASK },
        { name: 'user', value: 'ann' },
        { key: 'Authorization', value: MASK },
        { field: 'cvv', val: MASK },
        { name: 'A very long label that happens to mention a password somewhere in its text', value: 3 },
      ],
    });
  });

  it('masks secret-looking values under innocuous keys: JWTs, Bearer/Basic credentials, Luhn-valid card numbers', () => {
    const masked = masker.mask({
      note: JWT,
      header: `Bearer ${JWT.slice(0, 40)}`,
      basic: 'Basic dXNlcjpwYXNzd29yZA==',
      cc: '4111 1111 1111 1111',
      amex: '3782-822463-10005',
      cardAsNumber: 4111111111111111,
      list: [JWT, 'plain'],
      // Not secrets: a non-Luhn number, an id starting with 1, a timestamp, prose starting with "Bearer".
      orderNo: '4111111111111112',
      snowflake: '1234567890123456789',
      at: 1733260000000,
      prose: 'Bearer in mind that this is not a token',
      short: 'eyJ',
    });
    expect(masked).to.deep.equal({
      note: MASK,
      header: MASK,
      basic: MASK,
      cc: MASK,
      amex: MASK,
      cardAsNumber: MASK,
      list: [MASK, 'plain'],
      orderNo: '4111111111111112',
      snowflake: '1234567890123456789',
      at: 1733260000000,
      prose: 'Bearer in mind that this is not a token',
      short: 'eyJ',
    });
  });

  it('string bodies: JSON and form text are parsed and masked, other text becomes a length marker', () => {
    expect(contextFor('{"user":"ann","password":"p"}').postData).to.deep.equal({ user: 'ann', password: MASK });
    expect(contextFor(' [{"token":"t"}]\n').postData).to.deep.equal([{ token: MASK }]);
    expect(contextFor('user=ann&password=p&card%5Bnumber%5D=4&tag=a&tag=b').postData).to.deep.equal({
      user: 'ann',
      password: MASK,
      'card[number]': MASK,
      tag: ['a', 'b'],
    });
    expect(contextFor('my password is hunter2').postData).to.deep.equal({ _text: true, bytes: 22 });
    expect(contextFor('{"password": not json').postData).to.deep.equal({ _text: true, bytes: 21 });
    expect(contextFor(`{"a":"${'x'.repeat(200)}"}`, { maxBodyBytes: 64 }).postData).to.deep.equal({
      _text: true,
      bytes: 208,
    });
  });

  it('identity-proxy headers are masked when listed in includeHeaders, even with an empty field list', () => {
    const headers = {
      'x-goog-iap-jwt-assertion': JWT,
      'x-amzn-oidc-data': 'eyJ0eXAi.eyJzdWIi.c2ln',
      'cf-access-jwt-assertion': 'opaque-assertion',
      'x-shopify-hmac-sha256': 'abc=',
      'x-hub-signature-256': 'sha256=abc',
      'x-forwarded-user-token': 'Bearer abcdefghijkl',
      'x-forwarded-note': `Bearer ${JWT}`,
      'x-team': 'blue',
    };
    const picked = pickHeaders(headers, Object.keys(headers), new FieldMasker([]));
    expect(picked).to.deep.equal({
      'x-goog-iap-jwt-assertion': MASK,
      'x-amzn-oidc-data': MASK,
      'cf-access-jwt-assertion': MASK,
      'x-shopify-hmac-sha256': MASK,
      'x-hub-signature-256': MASK,
      'x-forwarded-user-token': MASK,
      'x-forwarded-note': MASK,
      'x-team': 'blue',
    });
  });
});

describe('masking keeps flags readable', () => {
  it('booleans and null under sensitive keys stay as they are: they hold no secret, and the audit trail needs them', () => {
    const body = {
      password_changed: true,
      mfa_code: null,
      session: false,
      token: 'abc',
      nested: { secret: true, apiKey: 'k' },
    };
    expect(masker.mask(body)).to.deep.equal({
      password_changed: true,
      mfa_code: null,
      session: false,
      token: MASK,
      nested: { secret: true, apiKey: MASK },
    });
  });

  it('numbers and strings under sensitive keys are still masked', () => {
    expect(masker.mask({ pin: 1234, password: '' })).to.deep.equal({ pin: MASK, password: MASK });
  });
});
