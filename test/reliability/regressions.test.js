// Regression tests, one per bug the reliability suite found, at the smallest level that shows it.
// (The HTTP-level ones live next to the case that found them: outage, shutdown, hostile-*.)
import { expect } from 'chai';
import fc from 'fast-check';
import {
  createPermissionAuditEvent,
  definePermission,
  FieldMasker,
  MASK,
  serializeEvent,
  serializeEventLine,
  StoreWriteError,
  UNSERIALIZABLE_METADATA_KEY,
} from '@audit-events/core';

describe('reliability regressions', () => {
  describe('permission checks and prototype keys', () => {
    // Only the owner may update; changing the owner needs an admin.
    const Doc = definePermission({
      manager: 'Doc',
      update: ['isSelf:ownerId'],
      attributes: { ownerId: { update: ['isAdmin'] } },
    });
    const doc = { id: 1, ownerId: 'alice', title: 't' };
    const mallory = { id: 'mallory' };

    it('a JSON body with a `__proto__` key cannot replace the instance the rules judge (was: permission bypass)', async () => {
      const body = JSON.parse('{"title":"x","__proto__":{"ownerId":"mallory"}}');
      const err = await Doc.checkUpdate(doc, body, { user: mallory }).then(
        () => null,
        (e) => e,
      );
      expect(err?.code).to.equal('AUDIT_PERMISSION_DENIED');
      // The owner still passes, and `__proto__` is judged as the attribute it claims to be.
      await Doc.checkUpdate(doc, JSON.parse('{"title":"x","__proto__":{"a":1}}'), { user: { id: 'alice' } });
      expect({}.ownerId).to.equal(undefined);
    });

    it('property: no body whatsoever lets a non-owner through (prototype keys anywhere, owner claims anywhere)', async () => {
      const claim = fc.constant({ ownerId: 'mallory' });
      const key = fc.oneof(
        fc.constantFrom('__proto__', 'constructor', 'prototype', 'ownerId', 'title'),
        fc.string({ maxLength: 6 }),
      );
      const value = fc.oneof(claim, fc.constant('mallory'), fc.string({ maxLength: 6 }), fc.integer());
      const body = fc.array(fc.tuple(key, value), { maxLength: 5 }).map((entries) => {
        const out = {};
        for (const [k, v] of entries)
          Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
        return out;
      });
      await fc.assert(
        fc.asyncProperty(body, async (data) => {
          const err = await Doc.checkUpdate(doc, data, { user: mallory }).then(
            () => null,
            (e) => e,
          );
          // Refused either way: denied, or (two spellings of one key, e.g. "a" and "A") rejected whole.
          const refused =
            err?.code === 'AUDIT_PERMISSION_DENIED' ||
            (err?.code === 'AUDIT_BAD_INPUT' && err.reason === 'ambiguous_attributes');
          expect(refused, `${err?.code} ${JSON.stringify(Object.getOwnPropertyNames(data))}`).to.equal(true);
        }),
        { numRuns: 300 },
      );
    });

    it('a body of the wrong shape is a typed AUDIT_BAD_INPUT error (the app answers 400), not a TypeError (500)', async () => {
      for (const body of [[], 'text', null, 42]) {
        const err = await Doc.checkUpdate(doc, body, { user: mallory }).then(
          () => null,
          (e) => e,
        );
        expect(err?.code, JSON.stringify(body)).to.equal('AUDIT_BAD_INPUT');
      }
    });
  });

  describe('masking', () => {
    const masker = new FieldMasker();

    it('short names are found as words of a key: card[cvv], user_pin, cardCvv, x.ssn, a[b][cvV]', () => {
      for (const key of ['card[cvv]', 'user_pin', 'cardCvv', 'x.ssn', 'a[b][cvV]', 'PIN-code', 'otp_value']) {
        expect(masker.isSensitive(key), key).to.equal(true);
      }
      for (const key of ['shipping', 'spinner', 'opinion', 'isPinned', 'cvvx', 'options']) {
        expect(masker.isSensitive(key), key).to.equal(false);
      }
    });

    it('a key is read with its parent: { card: { number } } is masked like card[number]', () => {
      expect(
        masker.mask({ card: { number: '4111', holder: 'A' }, api: { key: 'k' }, list: [{ card: { number: '1' } }] }),
      ).to.deep.equal({
        card: { number: MASK, holder: 'A' },
        api: { key: MASK },
        list: [{ card: { number: MASK } }],
      });
    });
  });

  describe('permission metadata', () => {
    const event = (metadata) => createPermissionAuditEvent({ action: 'update', granted: true, metadata });

    it('is masked like request data, at any depth, in every serialised form (was: written in clear)', () => {
      const metadata = {
        tenant: 'acme',
        Password: 'p',
        input: { user: { api_key: 'k', items: [{ Token: 't', n: 1 }] } },
      };
      const expected = {
        tenant: 'acme',
        Password: MASK,
        input: { user: { api_key: MASK, items: [{ Token: MASK, n: 1 }] } },
      };
      expect(serializeEvent(event(metadata)).metadata).to.deep.equal(expected);
      expect(JSON.parse(serializeEventLine(event(metadata))).metadata).to.deep.equal(expected);
      // The flat fast path too, without copying when nothing is sensitive.
      expect(serializeEvent(event({ a: 1, cookie: 'c' })).metadata).to.deep.equal({ a: 1, cookie: MASK });
      expect(serializeEvent(event(metadata), { masker: null }).metadata.Password).to.equal('p');
    });

    it('one value that cannot be stored no longer takes request_id and the rest with it', () => {
      let deep = {};
      const root = deep;
      for (let i = 0; i < 500; i++) deep = deep.a = {};
      const loop = {};
      loop.self = loop;
      const out = serializeEvent(
        event({ request_id: 'r-1', url: 'http://x/', input: root, loop, token: 't' }),
      ).metadata;
      expect(out).to.include({ request_id: 'r-1', url: 'http://x/', token: MASK });
      expect(out).not.to.have.property('input');
      expect(out[UNSERIALIZABLE_METADATA_KEY])
        .to.match(/metadata\.input.*nested too deeply/)
        .and.to.match(/metadata\.loop\.self.*circular/);
    });
  });

  it('StoreWriteError says when its outcome is unknown (the write may have committed)', () => {
    expect(new StoreWriteError('x', 1).outcomeUnknown).to.equal(false);
    expect(new StoreWriteError('x', 1, { outcomeUnknown: true })).to.include({
      outcomeUnknown: true,
      code: 'AUDIT_STORE_WRITE_FAILED',
    });
  });
});
