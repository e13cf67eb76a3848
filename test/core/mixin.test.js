// AuditContextMixin: model classes get an `auditContext` that defaults to the current context;
// assigning null or a non-context is a TypeError.
import { expect } from 'chai';
import { AuditContext, AuditContextMixin, MemoryEventStore, runWithAuditContext } from '@audit-events/core';

class Model {
  constructor(id) {
    this.id = id;
  }
}
class Order extends AuditContextMixin(Model) {
  static auditType = 'order';
  async markPaid() {
    this.status = 'paid';
    return this.auditContext.createFieldsEvent(this, ['status']);
  }
}

describe('AuditContextMixin', () => {
  it('defaults to the current context, so model code records request data without plumbing', async () => {
    const store = new MemoryEventStore();
    const ctx = new AuditContext({ store, requestId: 'mixin-1', user: { id: '4', repr: 'dee' } });
    const order = new Order(11);
    const event = await runWithAuditContext(ctx, () => order.markPaid());
    expect(event).to.deep.include({
      contentType: 'order',
      objectId: '11',
      requestId: 'mixin-1',
      userId: '4',
      content: { status: 'paid' },
    });
    expect(order.auditContext.isBlank).to.equal(true); // outside the request again
  });

  it('an assigned context wins over the current one', () => {
    const assigned = new AuditContext({ requestId: 'assigned' });
    const order = new Order(1);
    order.auditContext = assigned;
    runWithAuditContext(new AuditContext({ requestId: 'current' }), () =>
      expect(order.auditContext).to.equal(assigned),
    );
  });

  it('assigning null, undefined or a non-context is a TypeError', () => {
    const order = new Order(1);
    for (const bad of [null, undefined, {}, { requestId: 'x', createEvent() {} }, 'ctx']) {
      expect(() => {
        order.auditContext = bad;
      }).to.throw(TypeError);
    }
  });

  it('keeps the base class behaviour and instanceof', () => {
    const order = new Order(5);
    expect(order).to.be.instanceOf(Model);
    expect(order.id).to.equal(5);
  });
});
