// How an event's content object becomes (contentType, objectId): explicit { type, id }, a static
// auditType, an instance auditType, the class name; string, numeric and bigint ids alike.
import { expect } from 'chai';
import { AuditContext, MemoryEventStore, NoContentObjectError } from '@audit-events/core';
import { describeContentObject } from '@audit-events/core/internal';

class Invoice {
  constructor(id) {
    this.id = id;
  }
}
class Order {
  static auditType = 'shop.order';
  constructor(id) {
    this.id = id;
  }
}
class Polymorphic {
  constructor(kind, id) {
    this.auditType = kind;
    this.id = id;
  }
}
class Keyed {
  constructor(uuid) {
    this.auditId = uuid;
    this.id = 'ignored';
  }
}

describe('content object description', () => {
  it('accepts an explicit { type, id } reference', () => {
    expect(describeContentObject({ type: 'order', id: 5 })).to.deep.equal({ contentType: 'order', objectId: '5' });
    expect(describeContentObject(Object.assign(Object.create(null), { type: 't', id: 'x' }))).to.deep.equal({
      contentType: 't',
      objectId: 'x',
    });
  });

  it('uses a static auditType, then an instance auditType, then the class name', () => {
    expect(describeContentObject(new Order(1))).to.deep.equal({ contentType: 'shop.order', objectId: '1' });
    expect(describeContentObject(new Polymorphic('shop.refund', 2))).to.deep.equal({
      contentType: 'shop.refund',
      objectId: '2',
    });
    expect(describeContentObject(new Invoice(3))).to.deep.equal({ contentType: 'Invoice', objectId: '3' });
  });

  it('takes auditId before id', () => {
    expect(describeContentObject(new Keyed('k-1')).objectId).to.equal('k-1');
  });

  it('stores string, numeric and bigint ids as strings (not only integers, unlike the seed)', () => {
    expect(describeContentObject(new Invoice('INV-2024-001')).objectId).to.equal('INV-2024-001');
    expect(describeContentObject(new Invoice(0)).objectId).to.equal('0');
    expect(describeContentObject(new Invoice(-4)).objectId).to.equal('-4');
    expect(describeContentObject(new Invoice(9007199254740993n)).objectId).to.equal('9007199254740993');
    expect(describeContentObject(new Invoice('3f2a9c1e-0000-4000-8000-000000000001')).objectId).to.have.length(36);
  });

  it('rejects missing ids, NaN ids, empty or oversized values with NoContentObjectError', () => {
    for (const bad of [
      new Invoice(undefined),
      new Invoice(NaN),
      new Invoice(''),
      new Invoice('x'.repeat(256)),
      { type: 'x'.repeat(256), id: 1 },
      [1, 2],
    ]) {
      expect(() => describeContentObject(bad)).to.throw(NoContentObjectError);
    }
  });

  it('a custom describer wins, and its null is a typed error', async () => {
    const store = new MemoryEventStore();
    const describer = (obj) => (obj.sku ? { type: 'product', id: obj.sku } : null);
    const ctx = new AuditContext({ store, describer });
    const event = await ctx.createEvent({ sku: 'A-1' });
    expect(event).to.include({ contentType: 'product', objectId: 'A-1' });
    const err = await ctx.createEvent({ name: 'no sku' }).catch((e) => e);
    expect(err).to.be.instanceOf(NoContentObjectError);
  });
});
