// Masking: case-insensitive, separator-insensitive, at any depth, key kept with a fixed mask; in
// bodies, query params, URLs and headers.
import { expect } from 'chai';
import { DEFAULT_MASKED_FIELDS, FieldMasker, MASK } from '@audit-events/core';
import { maskUrl, pickHeaders } from '@audit-events/core/internal';

describe('masking', () => {
  const masker = new FieldMasker();

  it('the default list covers passwords, secrets, tokens, API keys, authorization, cookies, card numbers and CVV', () => {
    for (const key of [
      'password',
      'PASSWORD',
      'new_password',
      'passwordConfirm',
      'client_secret',
      'secretAnswer',
      'token',
      'refreshToken',
      'csrf-token',
      'apiKey',
      'API_KEY',
      'x-api-key',
      'Authorization',
      'cookie',
      'Set-Cookie',
      'credit_card_number',
      'creditCard',
      'cardNumber',
      'CVV',
      'cvc',
      'pin',
    ]) {
      expect(masker.isSensitive(key), key).to.equal(true);
    }
    expect(DEFAULT_MASKED_FIELDS.length).to.be.greaterThan(8);
  });

  it('short names mask only the exact key, so ordinary fields stay readable', () => {
    for (const key of ['shipping', 'spinner', 'opinion', 'name', 'email', 'total', 'description']) {
      expect(masker.isSensitive(key), key).to.equal(false);
    }
  });

  it('masks at any depth, inside arrays, keeping keys; the input is not modified', () => {
    const input = {
      a: { b: { c: { d: { e: { Password: 'deep', keep: 1 } } } } },
      list: [{ token: 't' }, [{ apiKey: 'k' }], 'plain'],
      secret: { whole: 'object' },
    };
    const snapshot = JSON.stringify(input);
    expect(masker.mask(input)).to.deep.equal({
      a: { b: { c: { d: { e: { Password: MASK, keep: 1 } } } } },
      list: [{ token: MASK }, [{ apiKey: MASK }], 'plain'],
      secret: MASK,
    });
    expect(JSON.stringify(input)).to.equal(snapshot);
  });

  it('a custom list replaces or extends the defaults', () => {
    expect(new FieldMasker(['iban']).isSensitive('password')).to.equal(false);
    expect(new FieldMasker(['iban']).isSensitive('IBAN')).to.equal(true);
    expect(new FieldMasker([...DEFAULT_MASKED_FIELDS, 'iban']).isSensitive('password')).to.equal(true);
  });

  it('masks sensitive query-string values inside a URL, keeping the rest', () => {
    const sensitive = (k) => masker.isSensitive(k);
    expect(maskUrl('https://x.example/a?q=1&token=abc&b=2', sensitive)).to.equal(
      `https://x.example/a?q=1&token=${MASK}&b=2`,
    );
    // A fragment is dropped: text after `#` is invisible to query parsers and could hide a secret.
    expect(maskUrl('/a?q=1#&token=abc', sensitive)).to.equal('/a?q=1');
    expect(maskUrl('/a?user%5Bpassword%5D=p&user[name]=n', sensitive)).to.equal(
      `/a?user%5Bpassword%5D=${MASK}&user[name]=n`,
    );
    expect(maskUrl('/a?Api-Key=1&api+key=2', sensitive)).to.equal(`/a?Api-Key=${MASK}&api+key=${MASK}`);
    expect(maskUrl('/a?flag&bad=%E0%A4%A', sensitive)).to.equal('/a?flag&bad=%E0%A4%A');
    expect(maskUrl('/plain/path', sensitive)).to.equal('/plain/path');
    expect(maskUrl(`/a?x=${'y'.repeat(5000)}`, sensitive)).to.have.length(2048);
  });

  it('header capture masks credentials even when listed, and names headers in lower case', () => {
    const headers = {
      authorization: 'Bearer t',
      'proxy-authorization': 'Basic x',
      cookie: 'sid=1',
      'set-cookie': ['a=1', 'b=2'],
      'x-team': 'blue',
      'x-list': ['1', '2'],
      'x-empty': '',
      'x-long': 'z'.repeat(2000),
    };
    const picked = pickHeaders(
      headers,
      ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-team', 'x-list', 'x-empty', 'x-long'],
      new FieldMasker([]),
    );
    expect(picked).to.deep.include({
      authorization: MASK,
      'proxy-authorization': MASK,
      cookie: MASK,
      'set-cookie': MASK,
      'x-team': 'blue',
      'x-list': '1, 2',
    });
    expect(picked).to.not.have.property('x-empty');
    expect(picked['x-long'].length).to.be.lessThan(1100);
    // Names are stored as configured, lower-case, whatever the case of the configuration.
    expect(pickHeaders({ 'x-team': 'blue' }, ['X-Team'], new FieldMasker([]))).to.deep.equal({ 'x-team': 'blue' });
  });
});
