// The stored URL is masked with exactly the key rules of bodies (issue 16, item 4), in linear time
// with the query read up to a cap (item 5: `[[[[…` request lines were quadratic).
import { expect } from 'chai';
import { FieldMasker, MASK } from '@audit-events/core';
import { maskUrl } from '@audit-events/core/internal';
import { NEWLY_MASKED_KEYS } from './masking-gaps.test.js';

const masker = new FieldMasker();
const sensitive = (key) => masker.isSensitive(key);

/** Bracketed names whose sensitivity comes from parent + child together, or from the whole name. */
const NESTED_NAMES = [
  ['card', 'number'],
  ['api', 'key'],
  ['private', 'key'],
  ['credit', 'card'],
  ['user', 'password'],
  ['oauth', 'code'],
  ['order', 'card', 'number'],
];

/** `a[b][c]` as a URL query name, and the object a qs-style parser makes of it. */
function bracketed(path) {
  return (
    path[0] +
    path
      .slice(1)
      .map((p) => `[${p}]`)
      .join('')
  );
}
function nested(path, value) {
  return path.reduceRight((inner, key) => ({ [key]: inner }), value);
}

describe('URL masking (issue 16, items 4 and 5)', () => {
  it('masks every name of the body key list in the query, with the same answer as the body', () => {
    for (const key of NEWLY_MASKED_KEYS) {
      expect(maskUrl(`/a?${key}=s3cr3t&q=1`, sensitive), key).to.equal(`/a?${key}=${MASK}&q=1`);
    }
    for (const path of NESTED_NAMES) {
      const name = bracketed(path);
      const body = JSON.stringify(masker.mask(nested(path, 's3cr3t')));
      expect(body, `body ${name}`).to.not.include('s3cr3t');
      expect(maskUrl(`/a?${name}=s3cr3t`, sensitive), name).to.equal(`/a?${name}=${MASK}`);
      const encoded = encodeURIComponent(name);
      expect(maskUrl(`/a?${encoded}=s3cr3t`, sensitive), encoded).to.equal(`/a?${encoded}=${MASK}`);
    }
  });

  it("masks the issue's examples: card[number], api[key], private[key] and an unclosed user[password", () => {
    expect(
      maskUrl('/pay?card[number]=4111111111111111&api[key]=k&private[key]=p&user[password=x&q=shoes', sensitive),
    ).to.equal(`/pay?card[number]=${MASK}&api[key]=${MASK}&private[key]=${MASK}&user[password=${MASK}&q=shoes`);
  });

  it('OAuth `code` is masked, `code_review` and `zip_code` stay; secret values are masked under any name', () => {
    expect(maskUrl('/cb?code=abc&state=xyz&code_review=1&zip_code=75001', sensitive)).to.equal(
      `/cb?code=${MASK}&state=xyz&code_review=1&zip_code=75001`,
    );
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlX2hlcmU';
    expect(maskUrl(`/a?next=${jwt}&cc=4111+1111+1111+1111&${jwt}`, sensitive)).to.equal(
      `/a?next=${MASK}&cc=${MASK}&${MASK}`,
    );
  });

  it('keeps only whole parameters when the query is longer than it reads', () => {
    const url = `/a?pad=${'p'.repeat(9000)}&n=4111111111111111`;
    const out = maskUrl(url, sensitive);
    expect(out.length).to.be.at.most(2048);
    expect(out).to.not.include('4111');
    const long = `/a?password=${'s'.repeat(8175)}&note=4111111111111111`; // cut inside the card number
    expect(maskUrl(long, sensitive)).to.equal(`/a?password=${MASK}`);
  });

  it('takes no longer on 16 KB of `[` than on 16 KB of letters (linear time)', function () {
    this.timeout(60_000);
    const shapes = {
      adversarial: [
        `/a?${'['.repeat(16_384)}=1`,
        `/a?x${'[a'.repeat(8_192)}=1`,
        `/a?${'[]'.repeat(8_192)}=1`,
        `/a?a=1${'&['.repeat(8_192)}`,
      ],
      benign: [
        `/a?${'a'.repeat(16_384)}=1`,
        `/a?x${'ab'.repeat(8_192)}=1`,
        `/a?${'ab'.repeat(8_192)}=1`,
        `/a?a=1${'&b'.repeat(8_192)}`,
      ],
    };
    const time = (urls) => {
      const start = process.hrtime.bigint();
      for (let i = 0; i < 20; i++) for (const url of urls) maskUrl(url, (key) => new FieldMasker().isSensitive(key));
      return Number(process.hrtime.bigint() - start);
    };
    time(shapes.adversarial);
    time(shapes.benign); // warm-up
    // Best of 5 each, interleaved, so a noisy neighbour slows both alike.
    let adversarial = Infinity;
    let benign = Infinity;
    for (let round = 0; round < 5; round++) {
      adversarial = Math.min(adversarial, time(shapes.adversarial));
      benign = Math.min(benign, time(shapes.benign));
    }
    expect(adversarial / benign, `adversarial ${adversarial / 1e6} ms vs benign ${benign / 1e6} ms`).to.be.below(8);
  });
});
