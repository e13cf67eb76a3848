// How JetStreamEventStore and JetStreamAuditLogger read the stream's acks (one reply subscription,
// one timer per batch): refusals, a stream of another name, oversized messages, a stalled server,
// late acks and a closed connection, each against a live nats-server.
import { expect } from 'chai';
import { StoreTimeoutError, StoreWriteError, createPermissionAuditEvent } from '@audit-events/core';
import { JetStreamAuditLogger, JetStreamEventStore, ensureAuditStream } from '@audit-events/nats';
import { startNatsServer } from './nats-server.js';
import { freshStream as freshStreamOn, liveNats, makeEvent, natsClient, stopNats, waitUntil } from './fixtures.js';

function causes(err) {
  const out = [];
  for (let e = err; e instanceof Error && out.length < 8; e = e.cause) out.push(e);
  return out;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('@audit-events/nats: acks of published events (live nats-server)', function () {
  this.timeout(30_000);
  let server;
  let client;

  before(async function () {
    ({ server, client } = await liveNats(this));
  });
  after(() => stopNats({ server, client }));

  const freshStream = (name, subjects) => freshStreamOn(client.jsm, name, subjects);

  it('a subject another stream takes is refused by the server (expected stream), not stored, and counted', async () => {
    await freshStream('OTHER', ['shared.>']);
    await freshStream('MINE');
    const store = new JetStreamEventStore({ nc: client.nc, stream: 'MINE', subjectPrefix: 'shared.events' });
    const err = await store.save([makeEvent(), makeEvent()]).catch((e) => e);
    expect(err).to.be.instanceOf(StoreWriteError);
    expect(err.outcomeUnknown).to.equal(false);
    expect(err.message).to.match(/None of 2 audit event\(s\) was acknowledged: .*expected stream does not match/);
    expect(causes(err).map((e) => e.errCode)).to.include(10060);
    expect((await client.jsm.streams.info('OTHER')).state.messages).to.equal(0);
    expect(store.stats).to.include({ published: 0, failed: 2, inFlight: 0 });
    await store.close();
  });

  it('an oversized event fails its save; the event saved beside it is stored and the error says so', async () => {
    await freshStream('BIG');
    const store = new JetStreamEventStore({ nc: client.nc, stream: 'BIG', subjectPrefix: 'big.events' });
    const small = makeEvent();
    const huge = makeEvent({ content: { blob: 'x'.repeat(2 * 1024 * 1024) } });
    const err = await store.save([small, huge]).catch((e) => e);
    expect(err).to.be.instanceOf(StoreWriteError);
    expect(err.message).to.match(/1 of 2 audit event\(s\) were acknowledged/);
    expect(err.outcomeUnknown, 'part of the save is stored').to.equal(true);
    const alone = await store.save([huge]).catch((e) => e);
    expect(alone).to.be.instanceOf(StoreWriteError);
    expect(alone.outcomeUnknown, 'nothing was sent').to.equal(false);
    expect((await client.jsm.streams.info('BIG')).state.messages).to.equal(1);
    await store.close();
  });

  it('the logger rejects an oversized decision alone and stores the rest of its batch', async () => {
    await freshStream('PBIG');
    const errors = [];
    const logger = new JetStreamAuditLogger({
      nc: client.nc,
      stream: 'PBIG',
      subjectPrefix: 'pbig',
      onError: (e) => errors.push(e),
    });
    const decision = (extra) =>
      createPermissionAuditEvent({ action: 'read', granted: true, manager: 'Order', user: { id: '1' }, ...extra });
    logger.record(decision());
    logger.record(decision({ metadata: { blob: 'y'.repeat(2 * 1024 * 1024) } }));
    logger.record(decision());
    await logger.close();
    expect((await client.jsm.streams.info('PBIG')).state.messages).to.equal(2);
    expect(errors.map((e) => e.name)).to.include('EventRejectedError');
  });

  describe('with a server of its own', () => {
    let own;
    let owner;
    beforeEach(async () => {
      own = await startNatsServer();
      owner = await natsClient(own.url);
      await ensureAuditStream(owner.jsm);
    });
    afterEach(async () => {
      if (own.child.signalCode === null) own.child.kill('SIGCONT');
      await owner.nc.close().catch(() => {});
      await own.stop();
    });

    it('a stalled server times the whole save out once; late acks are ignored and the next save works', async () => {
      const store = new JetStreamEventStore({ nc: owner.nc, stream: 'AUDIT', publishTimeoutMs: 600 });
      await store.save([makeEvent()]);
      await own.pause();
      const started = Date.now();
      const results = await Promise.allSettled(Array.from({ length: 30 }, () => store.save([makeEvent()])));
      const elapsed = Date.now() - started;
      for (const r of results) expect(r.reason).to.be.instanceOf(StoreTimeoutError);
      expect(elapsed).to.be.within(550, 600 + 4000);
      expect(store.stats).to.include({ inFlight: 0, failed: 30 });
      own.child.kill('SIGCONT');
      // The stalled messages reach the stream after all (their outcome was unknown, not failed).
      await waitUntil(async () => (await owner.jsm.streams.info('AUDIT')).state.messages === 31, {
        timeoutMs: 10_000,
        everyMs: 50,
        what: 'the stalled messages to land',
      });
      await sleep(100); // their acks come back to a store that no longer waits for them
      await store.save([makeEvent()]);
      expect(store.stats).to.include({ published: 2, failed: 30, inFlight: 0 });
      await store.close();
    });

    it('closing the connection fails the saves waiting for acks at once, as outcome unknown', async () => {
      const store = new JetStreamEventStore({ nc: owner.nc, stream: 'AUDIT', publishTimeoutMs: 20_000 });
      await store.save([makeEvent()]);
      await own.pause();
      const pending = Array.from({ length: 5 }, () => store.save([makeEvent()]));
      await sleep(100);
      const started = Date.now();
      await owner.nc.close();
      const results = await Promise.allSettled(pending);
      expect(Date.now() - started, 'not left to the 20 s timeout').to.be.below(5000);
      for (const r of results) {
        expect(r.reason).to.be.instanceOf(StoreWriteError);
        expect(r.reason.outcomeUnknown).to.equal(true);
      }
      await store.close();
    });
  });
});
