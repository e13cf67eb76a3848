// The request's context must reach every async continuation of a handler: await, timers,
// setImmediate, nextTick, streams, event emitters, and everything after a body parser registered
// AFTER the audit middleware (the classic AsyncLocalStorage failure: parsers resume the chain
// from the socket's 'end' event, outside the request's async context).
import { expect } from 'chai';
import request from 'supertest';
import { multipartBody, sendSlowly } from '../http-apps.js';
import { EventEmitter } from 'node:events';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { MemoryEventStore, bindEmitter, getAuditContext } from '@audit-events/core';

const idNow = () => getAuditContext().requestId;

export function propagationSuite(adapter) {
  describe(`${adapter.name}: context propagation`, () => {
    let store;
    // A bus emitted from a timer started outside any request: listeners see the emitter's context
    // unless they were bound when added.
    const bus = new EventEmitter();
    let pump;
    before(() => {
      pump = setInterval(() => bus.emit('tick'), 2);
    });
    after(() => clearInterval(pump));
    beforeEach(() => {
      store = new MemoryEventStore();
    });

    it('survives await, setTimeout, setImmediate, nextTick and queueMicrotask', async () => {
      const app = adapter.build({
        trustProxy: true, // a trusted proxy's X-Request-Id is adopted: the test's marker
        audit: { store },
        handler: async ({ audit, current }) => {
          const seen = { entry: current === audit };
          await sleep(3);
          seen.afterAwait = idNow();
          seen.timeout = await new Promise((resolve) => setTimeout(() => resolve(idNow()), 2));
          seen.immediate = await new Promise((resolve) => setImmediate(() => resolve(idNow())));
          seen.nextTick = await new Promise((resolve) => process.nextTick(() => resolve(idNow())));
          seen.microtask = await new Promise((resolve) => queueMicrotask(() => resolve(idNow())));
          await getAuditContext().createEvent({ type: 'probe', id: 1 });
          return seen;
        },
      });
      const res = await request(app).get('/').set('X-Request-Id', 'prop-1').expect(200);
      expect(res.body).to.deep.equal({
        entry: true,
        afterAwait: 'prop-1',
        timeout: 'prop-1',
        immediate: 'prop-1',
        nextTick: 'prop-1',
        microtask: 'prop-1',
      });
      expect(store.all()[0].requestId).to.equal('prop-1');
    });

    it('survives streams: a transform sees the request context in every chunk', async () => {
      const app = adapter.build({
        trustProxy: true, // a trusted proxy's X-Request-Id is adopted: the test's marker
        audit: { store },
        handler: async () => {
          const seen = [];
          const probe = new Transform({
            objectMode: true,
            transform(chunk, _enc, done) {
              setImmediate(() => {
                seen.push(`${chunk}:${idNow()}`);
                done(null, chunk);
              });
            },
          });
          const sink = new Transform({ objectMode: true, transform: (c, _e, done) => done() });
          await pipeline(Readable.from(['a', 'b', 'c']), probe, sink);
          return seen;
        },
      });
      const res = await request(app).get('/').set('X-Request-Id', 'stream-1').expect(200);
      expect(res.body).to.deep.equal(['a:stream-1', 'b:stream-1', 'c:stream-1']);
    });

    it('survives event emitters: local ones, and shared ones through bindEmitter', async () => {
      const app = adapter.build({
        trustProxy: true, // a trusted proxy's X-Request-Id is adopted: the test's marker
        audit: { store },
        handler: async () => {
          const local = new EventEmitter();
          const fromLocal = new Promise((resolve) => local.once('done', () => resolve(idNow())));
          setTimeout(() => local.emit('done'), 1);
          const shared = new EventEmitter();
          bindEmitter(shared);
          const fromShared = new Promise((resolve) => shared.once('tick', () => resolve(idNow())));
          const forward = () => shared.emit('tick');
          bus.once('tick', forward); // bus fires from the interval's context, not this request's
          const unbound = new Promise((resolve) => bus.once('tick', () => resolve(idNow())));
          return { local: await fromLocal, shared: await fromShared, unbound: await unbound };
        },
      });
      const res = await request(app).get('/').set('X-Request-Id', 'emit-1').expect(200);
      expect(res.body).to.deep.equal({ local: 'emit-1', shared: 'emit-1', unbound: null });
    });

    const multipart = multipartBody({ item: 'book', password: 'p' });
    for (const [parser, contentType, body] of [
      ['json', 'application/json', JSON.stringify({ item: 'book', password: 'p' })],
      ['urlencoded', 'application/x-www-form-urlencoded', 'item=book&password=p'],
      ['multipart', multipart.contentType, multipart.body],
      ['naive', 'application/json', JSON.stringify({ item: 'book', password: 'p' })],
    ]) {
      it(`a ${parser} body parser registered after the audit middleware keeps the context and the body`, async () => {
        const app = adapter.build({
          trustProxy: true, // a trusted proxy's X-Request-Id is adopted: the test's marker
          audit: { store, includePostData: true },
          parsers: [parser],
          handler: async ({ audit, current }) => {
            const sameAtEntry = current === audit;
            await sleep(1);
            const event = await getAuditContext().createEvent({ type: 'cart', id: 1 });
            return { sameAtEntry, idAfterAwait: idNow(), postData: audit.postData, eventPostData: event.postData };
          },
        });
        // The body arrives after the chain started, so the parser resumes it from socket events.
        const res = await sendSlowly(app, {
          path: '/cart',
          headers: { 'content-type': contentType, 'x-request-id': `body-${parser}` },
          body,
        });
        const expected = { item: 'book', password: '********' };
        expect(res.status).to.equal(200);
        expect(res.body).to.deep.equal({
          sameAtEntry: true,
          idAfterAwait: `body-${parser}`,
          postData: expected,
          eventPostData: expected,
        });
        expect(store.all()[0]).to.deep.include({ requestId: `body-${parser}`, postData: expected });
      });
    }
  });
}
