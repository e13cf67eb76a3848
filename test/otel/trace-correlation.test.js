// OpenTelemetry correlation: with a span active, request events carry trace_id/span_id in their
// content and permission events in their metadata; without one, nothing changes.
import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { context, trace } from '@opentelemetry/api';
import {
  AuditContext,
  MemoryAuditLogger,
  MemoryEventStore,
  configureAuditLogger,
  emitPermissionAuditEvent,
  getAuditContext,
  runWithAuditContext,
} from '@audit-events/core';
import { activeTraceIds } from '@audit-events/core/internal';
import { auditContext } from '@audit-events/express';
import { startNode } from '../helpers/child-process.js';
import { installContextManager, newIds, withSpan } from './support.js';

const decision = (metadata = null) => ({
  action: 'update',
  attributes: ['status'],
  granted: false,
  manager: 'Order',
  user: { id: '7', repr: 'grace' },
  permissions: ['isAdmin'],
  metadata,
});
class Order {
  static auditType = 'shop.order';
  constructor(id) {
    this.id = id;
  }
}

describe('OpenTelemetry correlation', () => {
  let uninstall;
  let logger;
  before(() => {
    uninstall = installContextManager();
  });
  after(() => uninstall());
  beforeEach(() => {
    logger = new MemoryAuditLogger();
    configureAuditLogger(logger);
  });
  afterEach(() => configureAuditLogger(null));

  it('activeTraceIds() reads the active span, and null outside one or for an invalid span context', () => {
    const ids = newIds();
    expect(withSpan(ids, () => activeTraceIds())).to.deep.equal(ids);
    expect(activeTraceIds()).to.equal(null);
    const invalid = trace.wrapSpanContext({ traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 0 });
    expect(context.with(trace.setSpan(context.active(), invalid), () => activeTraceIds())).to.equal(null);
  });

  it('an AuditContext captures the span active when it is built and keeps it afterwards', async () => {
    const ids = newIds();
    const ctx = withSpan(ids, () => new AuditContext({ requestId: 'r-1' }));
    expect(ctx.traceId).to.equal(ids.traceId);
    expect(ctx.spanId).to.equal(ids.spanId);
    // Outside the span (a later callback), the captured ids stay.
    const store = new MemoryEventStore();
    const stored = await new AuditContext({ store, traceId: ctx.traceId, spanId: ctx.spanId }).createEvent(
      new Order(1),
    );
    expect(stored.content).to.deep.equal({ trace_id: ids.traceId, span_id: ids.spanId });
    expect(new AuditContext().traceId).to.equal(null);
    expect(new AuditContext({ traceId: null }).spanId).to.equal(null);
  });

  it('request events get trace_id and span_id in content; extraData and explicit content win', async () => {
    const store = new MemoryEventStore();
    const ids = newIds();
    const ctx = withSpan(ids, () => new AuditContext({ store, extraData: { span_id: 'from-extra' } }));
    const a = await ctx.createEvent(new Order(1), { status: 'paid' });
    const b = await ctx.createEvent(new Order(2), { trace_id: 'explicit' });
    expect(a.content).to.deep.equal({ trace_id: ids.traceId, span_id: 'from-extra', status: 'paid' });
    expect(b.content.trace_id).to.equal('explicit');
    const plain = await new AuditContext({ store }).createEvent(new Order(3), { status: 'new' });
    expect(plain.content).to.deep.equal({ status: 'new' });
  });

  it('Express: the request span reaches the events of that request, and only of that request', async () => {
    const store = new MemoryEventStore();
    const app = express();
    // What HTTP instrumentation does: the request runs inside its server span.
    app.use((req, _res, next) => {
      const header = req.get('x-test-span');
      if (!header) return next();
      const [traceId, spanId] = header.split(':');
      withSpan({ traceId, spanId }, next);
    });
    app.use(auditContext({ store }));
    app.post('/orders/:id', async (req, res) => {
      await getAuditContext().createEvent(new Order(Number(req.params.id)), { status: 'paid' });
      emitPermissionAuditEvent(decision());
      res.sendStatus(204);
    });
    const first = newIds();
    const second = newIds();
    await Promise.all([
      request(app).post('/orders/1').set('x-test-span', `${first.traceId}:${first.spanId}`).expect(204),
      request(app).post('/orders/2').set('x-test-span', `${second.traceId}:${second.spanId}`).expect(204),
      request(app).post('/orders/3').expect(204),
    ]);
    const byObject = Object.fromEntries(store.all().map((e) => [e.objectId, e.content]));
    expect(byObject['1']).to.deep.equal({ trace_id: first.traceId, span_id: first.spanId, status: 'paid' });
    expect(byObject['2']).to.deep.equal({ trace_id: second.traceId, span_id: second.spanId, status: 'paid' });
    expect(byObject['3']).to.deep.equal({ status: 'paid' });
    const traced = logger
      .serialized()
      .map((e) => e.metadata?.trace_id ?? null)
      .sort();
    expect(traced).to.deep.equal([null, first.traceId, second.traceId].sort());
  });

  it('permission events get the span active at emit time, else the context span, inside or outside a context', () => {
    const request = newIds();
    const child = newIds();
    const ctx = withSpan(request, () => new AuditContext({ requestId: 'req-9' }));
    runWithAuditContext(ctx, () => {
      emitPermissionAuditEvent(decision()); // no span active now: the context's request span
      withSpan(child, () => emitPermissionAuditEvent(decision())); // a nested span is more precise
    });
    withSpan(child, () => emitPermissionAuditEvent(decision())); // no audit context at all
    emitPermissionAuditEvent(decision()); // neither: nothing added
    const metadata = logger.serialized().map((e) => e.metadata);
    expect(metadata[0]).to.deep.include({ request_id: 'req-9', trace_id: request.traceId, span_id: request.spanId });
    expect(metadata[1]).to.deep.include({ request_id: 'req-9', trace_id: child.traceId, span_id: child.spanId });
    expect(metadata[2]).to.deep.equal({ trace_id: child.traceId, span_id: child.spanId });
    expect(metadata[3]).to.equal(null);
  });

  it("the caller's own trace_id in metadata wins", () => {
    withSpan(newIds(), () => emitPermissionAuditEvent(decision({ trace_id: 'mine', tenant: 'acme' })));
    expect(logger.serialized()[0].metadata).to.deep.equal({ trace_id: 'mine', tenant: 'acme' });
  });

  it('without a span the metadata is left as the caller gave it', () => {
    emitPermissionAuditEvent(decision({ tenant: 'acme' }));
    expect(logger.serialized()[0].metadata).to.deep.equal({ tenant: 'acme' });
  });
});

describe('OpenTelemetry correlation without @opentelemetry/api installed', () => {
  it('adds nothing, never throws, and tries to load the API only once', async () => {
    const file = new URL('../fixtures/otel/without-otel.cjs', import.meta.url).pathname;
    const child = startNode(file);
    const { code } = await child.exited;
    expect(code, child.stderr()).to.equal(0);
    expect(JSON.parse(child.lines[0])).to.deep.equal({
      attempts: 1,
      traced: 0,
      events: 200,
      decisions: 200,
      ids: null,
    });
  });
});
