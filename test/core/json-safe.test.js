import { expect } from 'chai';
import { toJsonSafe, NotJsonSerializableError } from '@audit-events/core';

describe('toJsonSafe', () => {
  it('converts Dates to ISO strings and BigInts to decimal strings', () => {
    expect(toJsonSafe({ at: new Date(0), n: 12345678901234567890n }, 'content')).to.deep.equal({
      at: '1970-01-01T00:00:00.000Z',
      n: '12345678901234567890',
    });
  });

  it('names the path of a circular reference', () => {
    const a = { list: [{}] };
    a.list[0].back = a;
    expect(() => toJsonSafe(a, 'content'))
      .to.throw(NotJsonSerializableError)
      .with.property('path', 'content.list[0].back');
  });

  it('names the path of a function and of a symbol', () => {
    expect(() => toJsonSafe({ x: { 'a b': () => 1 } }, 'content')).to.throw(/content\.x\["a b"\]/);
    expect(() => toJsonSafe({ s: Symbol('s') }, 'content'))
      .to.throw(NotJsonSerializableError)
      .with.property('code', 'AUDIT_NOT_JSON');
  });

  it('keeps __proto__ keys as data without polluting prototypes', () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}');
    const out = toJsonSafe(parsed);
    expect(Object.getPrototypeOf(out)).to.equal(Object.prototype);
    expect(Object.keys(out)).to.deep.equal(['__proto__', 'a']);
    expect({}.polluted).to.equal(undefined);
  });
});
