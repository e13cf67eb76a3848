// Core's framework-independent capture: a RequestSnapshot → AuditContext, with lazy body, query
// and user (so middleware order does not matter), and the URL/IP helpers it relies on.
import { expect } from 'chai';
import { safeHost } from '@audit-events/core';
import {
  INVALID_HOST,
  absoluteUrl,
  createRequestContext,
  normalizeIp,
  pathOf,
  resolveOptions,
  resolveRequestId,
} from '@audit-events/core/internal';

function snapshot(overrides = {}) {
  const state = { body: undefined, query: {}, user: undefined };
  return {
    state,
    snap: {
      method: 'POST',
      url: 'http://h.example/p?x=1',
      path: '/p',
      ip: '::ffff:10.1.2.3',
      headers: { 'user-agent': 'u'.repeat(600) },
      query: () => state.query,
      body: () => state.body,
      user: () => state.user,
      ...overrides,
    },
  };
}

describe('request capture (core)', () => {
  it('reads body and user when asked, so a parser or auth after the middleware still counts', () => {
    const { state, snap } = snapshot();
    const ctx = createRequestContext(snap, resolveOptions({ includePostData: true }), {});
    expect(ctx.postData).to.equal(null);
    expect(ctx.user).to.equal(null);
    state.body = { a: 1, secret: 's' };
    state.user = { id: 2, email: 'b@x' };
    expect(ctx.postData).to.deep.equal({ a: 1, secret: '********' });
    expect(ctx.postData).to.equal(ctx.postData); // memoised while the body is unchanged
    expect(ctx.user).to.deep.equal({ id: '2', repr: 'b@x' });
  });

  it('normalises the IP and bounds the user agent', () => {
    const { snap } = snapshot();
    const ctx = createRequestContext(snap, resolveOptions(), {});
    expect(ctx.ip).to.equal('10.1.2.3');
    expect(ctx.userAgent).to.have.length(512);
  });

  it('never throws on odd bodies: binary and unserialisable bodies become markers', () => {
    const { state, snap } = snapshot();
    const ctx = createRequestContext(snap, resolveOptions({ includePostData: true }), {});
    state.body = Buffer.alloc(10);
    expect(ctx.postData).to.deep.equal({ _binary: true, bytes: 10 });
    const loop = {};
    loop.self = loop;
    state.body = loop;
    expect(ctx.postData).to.include({ _unserializable: true });
    state.body = {};
    expect(ctx.postData).to.equal(null);
  });

  it('captures the query only when includeQueryParams is set', () => {
    const { state, snap } = snapshot();
    state.query = { q: 'x', Token: 't' };
    expect(createRequestContext(snap, resolveOptions(), {}).queryParams).to.equal(null);
    expect(createRequestContext(snap, resolveOptions({ includeQueryParams: true }), {}).queryParams).to.deep.equal({
      q: 'x',
      Token: '********',
    });
  });

  it('an extraData function must return an object', () => {
    const { snap } = snapshot();
    expect(() => createRequestContext(snap, resolveOptions({ extraData: () => 'nope' }), {})).to.throw(/extraData/);
    expect(createRequestContext(snap, resolveOptions({ extraData: () => undefined }), {}).extraData).to.deep.equal({});
  });

  it('builds absolute URLs only from plain hosts and http(s)', () => {
    expect(absoluteUrl('https', 'Shop.Example:8443', '/a?b=1')).to.equal('https://shop.example:8443/a?b=1');
    expect(absoluteUrl('http', '[::1]:3000', '/')).to.equal('http://[::1]:3000/');
    expect(absoluteUrl('gopher', 'h.example', '/x')).to.equal('http://h.example/x');
    expect(absoluteUrl('http', 'a.example, b.example', '/x')).to.equal('http://a.example/x');
    expect(absoluteUrl('http', 'h.example', 'http://user:pw@other.example/x?y=1')).to.equal(
      'http://other.example/x?y=1',
    );
    expect(safeHost(' H.example ')).to.equal('h.example');
    expect(safeHost('h.example')).to.equal('h.example');
    for (const bad of [
      'evil.example/x',
      'a b',
      'user@host',
      '',
      undefined,
      '<script>',
      'h.example:99999999',
      `${'a.'.repeat(130)}b`,
    ]) {
      expect(safeHost(bad), String(bad)).to.equal(INVALID_HOST);
    }
  });

  it('keeps well-formed request ids and never emits a malformed generated one', () => {
    expect(resolveRequestId('abc-1', () => 'gen')).to.equal('abc-1');
    expect(resolveRequestId(['first', 'second'], () => 'gen')).to.equal('first');
    expect(resolveRequestId('bad id', () => 'gen-1')).to.equal('gen-1');
    expect(resolveRequestId(undefined, () => 'bad\nvalue')).to.match(/^[0-9a-f-]{36}$/);
    expect(resolveRequestId(undefined, () => 42)).to.match(/^[0-9a-f-]{36}$/);
  });

  it('takes the path from the request target', () => {
    expect(pathOf('/a/b?c=1#d')).to.equal('/a/b');
    expect(pathOf('http://h.example/x/y?z')).to.equal('/x/y');
    expect(pathOf('')).to.equal('/');
  });

  it('stores only real IP addresses', () => {
    expect(normalizeIp('::ffff:127.0.0.1')).to.equal('127.0.0.1');
    expect(normalizeIp('[2001:db8::2]')).to.equal('2001:db8::2');
    expect(normalizeIp('203.0.113.1, 10.0.0.1')).to.equal(null);
    expect(normalizeIp('localhost')).to.equal(null);
    expect(normalizeIp(undefined)).to.equal(null);
  });
});
