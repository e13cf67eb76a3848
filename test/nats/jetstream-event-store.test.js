// JetStreamEventStore, ensureAuditStream and JetStreamAuditLogger against a live nats-server.
import { expect } from 'chai';
import {
  ConfigurationError,
  InvalidQueryError,
  StoreClosedError,
  StoreTimeoutError,
  StoreWriteError,
  createPermissionAuditEvent,
} from '@audit-events/core';
import {
  JetStreamAuditLogger,
  JetStreamEventStore,
  decodeSubjectToken,
  encodeSubjectToken,
  ensureAuditStream,
} from '@audit-events/nats';
import { startNatsServer } from './nats-server.js';
import { freshStream as freshStreamOn, liveNats, makeEvent, natsClient, stopNats } from './fixtures.js';

describe('@audit-events/nats: store, stream and logger (live nats-server)', function () {
  this.timeout(30_000);
  let server;
  let client;

  before(async function () {
    ({ server, client } = await liveNats(this));
  });
  after(() => stopNats({ server, client }));

  const freshStream = (name) => freshStreamOn(client.jsm, name);

  it('ensureAuditStream creates a file-backed stream with a 2-minute duplicate window, updates it, refuses a shorter window', async () => {
    const info = await freshStream('DEFAULTS');
    expect(info.config.storage).to.equal('file');
    expect(info.config.duplicate_window).to.equal(120_000_000_000);
    expect(info.config.num_replicas).to.equal(1);
    const again = await ensureAuditStream(client.jsm, {
      name: 'DEFAULTS',
      subjects: ['defaults.>'],
      duplicateWindow: 300_000,
    });
    expect(again.config.duplicate_window).to.equal(300_000_000_000);
    let error;
    await ensureAuditStream(client.jsm, { name: 'DEFAULTS', duplicateWindow: 1000 }).catch((e) => (error = e));
    expect(error).to.be.instanceOf(ConfigurationError);
  });

  it('content types become one reversible subject token, never a wildcard or the permission token', () => {
    for (const type of ['shop.Order', 'a b*>', '_permissions', 'ünï%code', 'x-y_z']) {
      const token = encodeSubjectToken(type);
      expect(token).to.match(/^[A-Za-z0-9%-]+$/);
      expect(decodeSubjectToken(token)).to.equal(type);
    }
  });

  it('save() resolves once acked, publishes to <prefix>.<content type> with the event id as message id; a re-save is dropped as duplicate', async () => {
    await freshStream('EVT');
    const store = new JetStreamEventStore({ nc: client.nc, stream: 'EVT', subjectPrefix: 'evt.events' });
    const events = Array.from({ length: 200 }, (_, i) =>
      makeEvent({ contentType: i % 2 ? 'shop.Order' : 'a b', objectId: String(i) }),
    );
    await Promise.all(events.map((e) => store.save([e])));
    await store.save(events.slice(0, 20));
    const info = await client.jsm.streams.info('EVT', { subjects_filter: '>' });
    expect(info.state.messages).to.equal(200);
    expect(Object.keys(info.state.subjects).sort()).to.deep.equal(['evt.events.a%20b', 'evt.events.shop%2EOrder']);
    const stored = await client.jsm.streams.getMessage('EVT', { seq: 1 });
    expect(stored.header.get('Nats-Msg-Id')).to.equal(events[0].id);
    expect(stored.json().id).to.equal(events[0].id);
    expect(store.stats).to.include({ published: 220, duplicates: 20, failed: 0 });
    await store.close();
    expect(client.nc.isClosed()).to.equal(false); // the caller's connection stays open
  });

  it('rejects invalid events, a subject no stream covers, and saves after close(), with typed errors', async () => {
    await freshStream('EVT2');
    const store = new JetStreamEventStore({
      nc: client.nc,
      stream: 'EVT2',
      subjectPrefix: 'nowhere',
      publishTimeoutMs: 2000,
    });
    let error;
    await store.save([{ ...makeEvent(), id: 'nope' }]).catch((e) => (error = e));
    expect(error).to.be.instanceOf(StoreWriteError);
    expect(error.outcomeUnknown).to.equal(false);
    error = undefined;
    await store.save([makeEvent()]).catch((e) => (error = e));
    expect(error).to.be.instanceOf(StoreWriteError);
    expect(error.outcomeUnknown).to.equal(false);
    error = undefined;
    await store.find().catch((e) => (error = e));
    expect(error).to.be.instanceOf(InvalidQueryError);
    await store.close();
    error = undefined;
    await store.save([makeEvent()]).catch((e) => (error = e));
    expect(error).to.be.instanceOf(StoreClosedError);
  });

  it('times out with StoreTimeoutError (not a hang) while the server is down, and an owned connection drains on close()', async () => {
    const own = await startNatsServer();
    try {
      const c = await natsClient(own.url);
      await ensureAuditStream(c.jsm);
      await c.nc.close();
      const store = new JetStreamEventStore({ servers: own.url, stream: 'AUDIT', publishTimeoutMs: 800 });
      await store.save([makeEvent()]);
      await own.kill();
      const started = Date.now();
      const results = await Promise.allSettled(Array.from({ length: 20 }, () => store.save([makeEvent()])));
      const elapsed = Date.now() - started;
      for (const r of results) {
        expect(r.status).to.equal('rejected');
        expect(r.reason).to.satisfy(
          (e) => e instanceof StoreTimeoutError || (e instanceof StoreWriteError && e.outcomeUnknown),
        );
      }
      expect(elapsed, 'every caller answered within its timeout plus scheduling slack').to.be.below(800 + 5000);
      await own.restart();
      // Reconnects by itself: the next save succeeds.
      for (let i = 0; ; i++) {
        try {
          await store.save([makeEvent()]);
          break;
        } catch (err) {
          if (i > 40) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      const nc = await store.connection();
      await store.close();
      expect(nc.isClosed()).to.equal(true);
    } finally {
      await own.stop();
    }
  });

  it('JetStreamAuditLogger publishes each decision once with a stable event_id, retries included', async () => {
    await freshStream('PERM');
    const logger = new JetStreamAuditLogger({ nc: client.nc, stream: 'PERM', subjectPrefix: 'perm', batchSize: 50 });
    const decisions = Array.from({ length: 120 }, (_, i) =>
      createPermissionAuditEvent({ action: 'read', granted: i % 3 !== 0, manager: 'Order', user: { id: String(i) } }),
    );
    for (const d of decisions) logger.record(d);
    await logger.flush();
    const ids = decisions.map((d) => logger.eventIdOf(d));
    expect(new Set(ids).size).to.equal(120);
    for (const d of decisions.slice(0, 30)) logger.record(d); // the same objects again, as a retry would
    await logger.close();
    const info = await client.jsm.streams.info('PERM');
    expect(info.state.messages).to.equal(120);
    const first = await client.jsm.streams.getMessage('PERM', { seq: 1 });
    expect(first.subject).to.equal('perm._permissions');
    expect(first.json()).to.include({ event_id: ids[0], action: 'read', manager: 'Order' });
  });
});
