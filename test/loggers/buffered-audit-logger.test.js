import { expect } from 'chai';
import { ConfigurationError, StoreTimeoutError, StoreWriteError, BUFFERED_DEFAULTS } from '@audit-events/core';
import { ManualClock, settle } from './manual-clock.js';
import { captureOutput } from '../helpers/output-capture.js';
import { RecordingLogger, deferred, ev, warningsDuring } from './helpers.js';

describe('BufferedAuditLogger', () => {
  let clock;
  beforeEach(() => {
    clock = new ManualClock();
  });

  it('has general_manager defaults: batchSize 100, flushInterval 500 ms; plus a bounded queue', () => {
    expect(BUFFERED_DEFAULTS).to.include({ batchSize: 100, flushInterval: 500, maxQueueSize: 10_000 });
  });

  it('exports a full batch at once and the remainder when flushInterval elapses', async () => {
    const logger = new RecordingLogger({ batchSize: 3, scheduler: clock });
    for (let i = 0; i < 7; i++) logger.record(ev(`a${i}`));
    expect(logger.calls).to.have.length(0, 'record() itself never exports');
    await settle();
    expect(logger.batches).to.deep.equal([
      ['a0', 'a1', 'a2'],
      ['a3', 'a4', 'a5'],
    ]);
    expect(logger.pendingCount).to.equal(1);
    await clock.advance(499);
    expect(logger.calls).to.have.length(2);
    await clock.advance(1);
    expect(logger.batches[2]).to.deep.equal(['a6']);
    expect(logger.writtenCount).to.equal(7);
    expect(logger.pendingCount).to.equal(0);
  });

  it('flushes steady traffic below batchSize within flushInterval (a period, not an idle timeout)', async () => {
    const handledAt = new Map();
    const recordedAt = new Map();
    const logger = new RecordingLogger({ batchSize: 100, flushInterval: 500, scheduler: clock }, (events) => {
      for (const e of events) handledAt.set(e.attributes[0], clock.now);
    });
    // One event every 100 ms for 2 s: the queue never idles and never reaches batchSize.
    for (let i = 0; i < 20; i++) {
      recordedAt.set(`a${i}`, clock.now);
      logger.record(ev(`a${i}`));
      await clock.advance(100);
    }
    await clock.advance(500);
    expect(handledAt.size).to.equal(20);
    for (const [name, at] of recordedAt) {
      expect(handledAt.get(name) - at, name).to.be.at.most(500);
    }
    expect(logger.calls.length).to.be.within(4, 5);
  });

  it('bounds the queue: drops new events when full, counts them, and warns once', async () => {
    const gate = deferred();
    const logger = new RecordingLogger({ batchSize: 2, maxQueueSize: 4, scheduler: clock }, () => gate.promise);
    const warnings = await warningsDuring('AUDIT_LOGGER_QUEUE_FULL', async () => {
      logger.record(ev('a0'));
      logger.record(ev('a1'));
      await settle(); // a0, a1 in flight
      for (let i = 2; i < 12; i++) logger.record(ev(`a${i}`));
    });
    expect(logger.droppedCount).to.equal(6);
    expect(warnings).to.have.length(1);
    expect(warnings[0].message).to.match(/maxQueueSize 4/);
    gate.resolve();
    await logger.flush();
    expect(logger.batches.flat()).to.deep.equal(['a0', 'a1', 'a2', 'a3', 'a4', 'a5']);
    expect(logger.writtenCount).to.equal(6);
  });

  it('retries a failed batch with exponential backoff', async () => {
    const attemptsAt = [];
    const logger = new RecordingLogger(
      { scheduler: clock, retryDelay: 100, maxRetries: 3 },
      async (_events, context) => {
        attemptsAt.push({ at: clock.now, attempt: context.attempt });
        if (context.attempt < 2) throw new Error('broker unavailable');
      },
    );
    logger.record(ev('a0'));
    let flushed = false;
    const flushing = logger.flush().then(() => (flushed = true));
    await clock.advance(99);
    expect(attemptsAt.map((a) => a.at)).to.deep.equal([0]);
    await clock.advance(1000);
    await flushing;
    expect(flushed).to.equal(true);
    expect(attemptsAt).to.deep.equal([
      { at: 0, attempt: 0 },
      { at: 100, attempt: 1 },
      { at: 300, attempt: 2 },
    ]);
    expect(logger.writtenCount).to.equal(1);
    expect(logger.failedCount).to.equal(0);
  });

  it('after the last retry reports to onError with a typed error, counts the loss, and keeps going', async () => {
    const errors = [];
    const logger = new RecordingLogger(
      {
        batchSize: 1,
        scheduler: clock,
        retryDelay: 10,
        maxRetries: 2,
        onError: (err, batch) => errors.push({ err, batch }),
      },
      async (events) => {
        if (events[0].attributes[0] === 'poison') throw new Error('rejected by server');
      },
    );
    logger.record(ev('poison'));
    logger.record(ev('fine'));
    const flushing = logger.flush();
    await clock.advance(1000);
    await flushing;
    expect(logger.batches).to.deep.equal([['poison'], ['poison'], ['poison'], ['fine']]);
    expect(logger.failedCount).to.equal(1);
    expect(logger.writtenCount).to.equal(1);
    expect(errors).to.have.length(1);
    expect(errors[0].err).to.be.instanceOf(StoreWriteError);
    expect(errors[0].err.code).to.equal('AUDIT_LOGGER_WRITE_FAILED');
    expect(errors[0].err.cause.message).to.equal('rejected by server');
    expect(errors[0].batch.map((e) => e.attributes[0])).to.deep.equal(['poison']);
  });

  it('keeps exactly one batch in flight', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const gates = [];
    const logger = new RecordingLogger({ batchSize: 2, scheduler: clock }, () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const gate = deferred();
      gates.push(gate);
      return gate.promise.then(() => inFlight--);
    });
    for (let i = 0; i < 6; i++) logger.record(ev(`a${i}`));
    const flushing = logger.flush();
    for (let round = 0; round < 3; round++) {
      // A settled batch hands over to the next one on the next turn of the event loop.
      await settle();
      await settle();
      expect(gates).to.have.length(round + 1, 'the next batch waits for the previous one');
      gates[round].resolve();
    }
    await flushing;
    expect(maxInFlight).to.equal(1);
    expect(logger.batches).to.deep.equal([
      ['a0', 'a1'],
      ['a2', 'a3'],
      ['a4', 'a5'],
    ]);
  });

  it('yields to the event loop between batches whose promises settle at once (a synchronous driver)', async () => {
    // Like DatabaseAuditLogger on better-sqlite3: the work is done before handleBatch returns,
    // its promise settles on a microtask. Draining 20 batches must still let a timer run between them.
    const logger = new RecordingLogger({ batchSize: 10 }, () => {
      const until = performance.now() + 1;
      while (performance.now() < until); // 1 ms of synchronous "insert"
      return Promise.resolve();
    });
    let batchesWhenTimerFired = null;
    setTimeout(() => {
      batchesWhenTimerFired = logger.calls.length;
    }, 0);
    for (let i = 0; i < 200; i++) logger.record(ev(`a${i}`));
    await logger.flush();
    expect(logger.writtenCount).to.equal(200);
    expect(logger.calls).to.have.length(20);
    expect(batchesWhenTimerFired, 'the timer fired while the queue drained').to.be.a('number').and.below(20);
    await logger.close();
  });

  it('flush() waits for what was recorded before it; concurrent flushes share one export; flush does not close', async () => {
    const gate = deferred();
    const logger = new RecordingLogger({ scheduler: clock }, () => gate.promise);
    logger.record(ev('a0'));
    logger.record(ev('a1'));
    let first = false;
    let second = false;
    const f1 = logger.flush().then(() => (first = true));
    const f2 = logger.flush().then(() => (second = true));
    await settle();
    expect(logger.calls).to.have.length(1);
    expect(first || second).to.equal(false);
    gate.resolve();
    await Promise.all([f1, f2]);
    expect(logger.batches).to.deep.equal([['a0', 'a1']]);
    logger.record(ev('a2'));
    await logger.flush();
    expect(logger.closed).to.equal(false);
    expect(logger.batches[1]).to.deep.equal(['a2']);
    expect(await logger.flush()).to.equal(undefined, 'an empty flush resolves at once');
  });

  it('close() runs once, flushes, then drops (and counts) later records with one warning', async () => {
    const logger = new RecordingLogger({ scheduler: clock });
    logger.record(ev('a0'));
    const c1 = logger.close();
    const c2 = logger.close();
    expect(c1).to.equal(c2);
    await c1;
    expect(logger.batches).to.deep.equal([['a0']]);
    const warnings = await warningsDuring('AUDIT_LOGGER_CLOSED', async () => {
      logger.record(ev('late1'));
      logger.record(ev('late2'));
    });
    expect(logger.droppedCount).to.equal(2);
    expect(warnings).to.have.length(1);
    await logger.flush();
    expect(logger.calls).to.have.length(1);
    expect(clock.pending).to.deep.equal([], 'no timer left behind');
  });

  it('sync: true handles each event synchronously inside record()', () => {
    const logger = new RecordingLogger({ sync: true, scheduler: clock });
    logger.record(ev('a0'));
    expect(logger.batches).to.deep.equal([['a0']]);
    logger.record(ev('a1'));
    expect(logger.batches).to.deep.equal([['a0'], ['a1']]);
    expect(logger.writtenCount).to.equal(2);
    expect(clock.pending).to.deep.equal([]);
  });

  it('record() never throws: a failure in sync mode is retried at once, then reported', () => {
    const errors = [];
    const logger = new RecordingLogger({ sync: true, maxRetries: 2, onError: (err) => errors.push(err) }, () => {
      throw new Error('disk full');
    });
    expect(() => logger.record(ev('a0'))).not.to.throw();
    expect(logger.calls).to.have.length(3);
    expect(logger.failedCount).to.equal(1);
    expect(errors[0]).to.be.instanceOf(StoreWriteError).and.have.property('eventCount', 1);
  });

  it('useWorker: false, the deprecated spelling of sync: true, still works; a contradiction is refused', () => {
    const logger = new RecordingLogger({ useWorker: false, scheduler: clock });
    logger.record(ev('a0'));
    expect(logger.batches).to.deep.equal([['a0']]);
    const agreeing = new RecordingLogger({ useWorker: false, sync: true, scheduler: clock });
    agreeing.record(ev('b0'));
    expect(agreeing.batches).to.deep.equal([['b0']]);
    expect(() => new RecordingLogger({ useWorker: false, sync: false })).to.throw(
      ConfigurationError,
      /sync: contradicts useWorker/,
    );
    expect(() => new RecordingLogger({ sync: 'yes' })).to.throw(ConfigurationError, /sync: must be a boolean/);
  });

  it('a batch that outlives exportTimeout is reported, not retried, and the next one waits for it', async () => {
    const errors = [];
    const stuck = deferred();
    let signal;
    const logger = new RecordingLogger(
      { scheduler: clock, exportTimeout: 1000, onError: (err) => errors.push(err) },
      (_events, context, call) => {
        if (call === 1) {
          signal = context.signal;
          return stuck.promise;
        }
        return undefined;
      },
    );
    logger.record(ev('slow'));
    const f1 = logger.flush();
    await clock.advance(1000);
    await f1;
    expect(errors[0]).to.be.instanceOf(StoreTimeoutError);
    expect(signal.aborted).to.equal(true);
    expect(logger.failedCount).to.equal(1);
    logger.record(ev('next'));
    let done = false;
    const f2 = logger.flush().then(() => (done = true));
    await settle();
    expect(logger.calls).to.have.length(1, 'one batch in flight: the stuck one');
    stuck.resolve();
    await f2;
    expect(done).to.equal(true);
    expect(logger.batches).to.deep.equal([['slow'], ['next']]);
    expect(logger.writtenCount).to.equal(1);
  });

  it('rejects bad options with a ConfigurationError naming the option', () => {
    expect(() => new RecordingLogger({ batchSize: 0 })).to.throw(ConfigurationError, /batchSize/);
    expect(() => new RecordingLogger({ batchSize: 10, maxQueueSize: 5 })).to.throw(ConfigurationError, /maxQueueSize/);
    expect(() => new RecordingLogger({ flushInterval: 'soon' })).to.throw(ConfigurationError, /flushInterval/);
    expect(() => new RecordingLogger({ onError: 'log' })).to.throw(ConfigurationError, /onError/);
  });

  it('flushSync() hands the queue to handleBatchSync (the exit path), or counts it as dropped', async () => {
    class SyncLogger extends RecordingLogger {
      constructor() {
        super({ scheduler: clock });
        this.synced = [];
      }
      handleBatchSync(events) {
        this.synced.push(...events.map((e) => e.attributes[0]));
      }
    }
    const withSync = new SyncLogger();
    withSync.record(ev('a0'));
    withSync.record(ev('a1'));
    withSync.flushSync();
    expect(withSync.synced).to.deep.equal(['a0', 'a1']);
    expect(withSync.writtenCount).to.equal(2);
    expect(withSync.pendingCount).to.equal(0);

    const withoutSync = new RecordingLogger({ scheduler: clock });
    withoutSync.record(ev('a0'));
    // Also says so on stderr: at exit nothing else can.
    const { stderr } = await captureOutput(() => withoutSync.flushSync());
    expect(stderr).to.equal(
      'audit-events: RecordingLogger lost 1 permission audit event(s): the process exited before they were written. Await logger.close() before exiting.\n',
    );
    expect(withoutSync.droppedCount).to.equal(1);
    expect(withoutSync.pendingCount).to.equal(0);
    expect(withoutSync.calls).to.have.length(0);
  });
});
