// One malformed event must never take its batch partners down (issue 16, item 12): it is refused
// alone (failedCount, onError with an EventRejectedError), never retried, and the other events of
// its batch are written.
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventRejectedError, FileAuditLogger } from '@audit-events/core';
import { ManualClock } from './manual-clock.js';
import { RecordingLogger, ev } from './helpers.js';
import { POISONS, batchWithPoison, spoiled } from './poison.js';

const VALID = Array.from({ length: 20 }, (_, i) => `n${i}`).filter((n) => n !== 'n7');

describe('BufferedAuditLogger: poison events', () => {
  for (const [what, spoil] of Object.entries(POISONS)) {
    it(`a custom subclass gets the 19 valid events of a batch with ${what}; the bad one is refused alone`, async () => {
      const errors = [];
      // A subclass that, like most, formats each event (serializeEvent-like access to every field).
      const logger = new RecordingLogger(
        { batchSize: 20, maxRetries: 3, retryDelay: 1, onError: (err, batch) => errors.push({ err, batch }) },
        (events) => {
          for (const e of events)
            JSON.stringify({ t: e.timestamp.toISOString(), a: e.attributes, m: { ...e.metadata } });
        },
      );
      for (const e of batchWithPoison(spoil)) logger.record(e);
      await logger.flush();
      expect(logger.batches.flat()).to.deep.equal(VALID);
      expect(logger.calls).to.have.length(1, 'the valid events go out in one call, not retried');
      expect(logger.writtenCount).to.equal(19);
      expect(logger.failedCount).to.equal(1);
      expect(logger.rejectedCount).to.equal(1);
      expect(logger.pendingCount).to.equal(0);
      expect(errors).to.have.length(1);
      expect(errors[0].err).to.be.instanceOf(EventRejectedError);
      expect(errors[0].err.code).to.equal('AUDIT_EVENT_REJECTED');
      expect(errors[0].err.cause.code).to.equal('AUDIT_BAD_EVENT');
      expect(errors[0].batch).to.have.length(1);
      expect(errors[0].batch[0]).to.equal(errors[0].err.event);
      await logger.close();
    });
  }

  it('a batch a subclass refuses with EventRejectedError is split until the refused event is found; nothing is retried', async () => {
    const errors = [];
    const clock = new ManualClock();
    // The sink refuses any call containing n13 as a whole (as a database refuses a multi-row INSERT).
    const logger = new RecordingLogger(
      {
        batchSize: 20,
        scheduler: clock,
        maxRetries: 5,
        retryDelay: 60_000,
        onError: (err, batch) => errors.push({ err, batch }),
      },
      (events) => {
        if (events.some((e) => e.attributes[0] === 'n13')) throw new EventRejectedError('value refused by the sink');
      },
    );
    for (let i = 0; i < 20; i++) logger.record(ev(`n${i}`));
    await logger.flush(); // resolves without the clock moving: no retry delay was waited for
    const written = logger.calls.filter((c) => !c.names.includes('n13')).flatMap((c) => c.names);
    expect(written.sort()).to.deep.equal(
      Array.from({ length: 20 }, (_, i) => `n${i}`)
        .filter((n) => n !== 'n13')
        .sort(),
    );
    expect(logger.calls.every((c) => c.context.attempt === 0)).to.equal(true);
    expect(logger.calls.length).to.be.at.most(1 + 2 * Math.ceil(Math.log2(20)));
    expect(logger.writtenCount).to.equal(19);
    expect(logger.failedCount).to.equal(1);
    expect(errors.map((e) => e.batch.map((x) => x.attributes[0]))).to.deep.equal([['n13']]);
    expect(errors[0].err.code).to.equal('AUDIT_EVENT_REJECTED');
    await logger.close();
  });

  it('context.reject(event, reason) refuses one event inside a call; the others count as written', async () => {
    const errors = [];
    const logger = new RecordingLogger(
      { batchSize: 5, onError: (err, batch) => errors.push({ err, batch }) },
      (events, context) => {
        for (const e of events) if (e.attributes[0] === 'b') context.reject(e, new Error('too large for the sink'));
      },
    );
    for (const name of ['a', 'b', 'c']) logger.record(ev(name));
    await logger.flush();
    expect(logger.writtenCount).to.equal(2);
    expect(logger.failedCount).to.equal(1);
    expect(errors[0].err.code).to.equal('AUDIT_EVENT_REJECTED');
    expect(errors[0].err.message).to.match(/too large for the sink/);
    await logger.close();
  });

  it('a transient failure of the valid events is still retried, and a refused event is reported once', async () => {
    const errors = [];
    let calls = 0;
    const logger = new RecordingLogger(
      { batchSize: 5, retryDelay: 1, onError: (err, batch) => errors.push({ err, batch }) },
      async (events, context) => {
        for (const e of events) if (e.attributes[0] === 'b') context.reject(e, new Error('refused'));
        if (++calls < 3) throw new Error('broker unavailable');
      },
    );
    for (const name of ['a', 'b', 'c']) logger.record(ev(name));
    await logger.flush();
    expect(calls).to.equal(3);
    expect(logger.writtenCount).to.equal(2);
    expect(logger.failedCount).to.equal(1);
    expect(errors).to.have.length(1);
    await logger.close();
  });

  it('a part of a split batch that times out is reported; the parts after it still go out', async () => {
    const clock = new ManualClock();
    const errors = [];
    const hang = [];
    const logger = new RecordingLogger(
      {
        batchSize: 8,
        scheduler: clock,
        exportTimeout: 1_000,
        onError: (err, batch) => errors.push({ code: err.code, names: batch.map((e) => e.attributes[0]) }),
      },
      (events) => {
        const names = events.map((e) => e.attributes[0]);
        if (names.includes('x3')) return Promise.reject(new EventRejectedError('refused'));
        if (names[0] === 'x0' && names.length === 2) return new Promise((resolve) => hang.push(resolve)); // x0, x1 hang
        return undefined;
      },
    );
    for (let i = 0; i < 8; i++) logger.record(ev(`x${i}`));
    await clock.advance(0);
    await clock.advance(1_000); // the hanging part times out
    hang.forEach((resolve) => resolve());
    await clock.advance(0);
    await logger.flush();
    expect(errors).to.deep.equal([
      { code: 'AUDIT_LOGGER_TIMEOUT', names: ['x0', 'x1'] },
      { code: 'AUDIT_EVENT_REJECTED', names: ['x3'] },
    ]);
    expect(logger.writtenCount).to.equal(5);
    expect(logger.failedCount).to.equal(3);
    expect(logger.pendingCount).to.equal(0);
    await logger.close();
  });

  it('flushSync() during a split writes the parts not in flight with handleBatchSync', async () => {
    const gate = [];
    const sync = [];
    class SplitLogger extends RecordingLogger {
      handleBatchSync(events) {
        sync.push(...events.map((e) => e.attributes[0]));
      }
    }
    const logger = new SplitLogger({ batchSize: 4, onError: () => {} }, (events) => {
      if (events.length === 4) throw new EventRejectedError('refused');
      return new Promise((resolve) => gate.push(resolve)); // the first half hangs in flight
    });
    for (let i = 0; i < 4; i++) logger.record(ev(`y${i}`));
    await new Promise((resolve) => setImmediate(resolve));
    expect(logger.batches).to.deep.equal([
      ['y0', 'y1', 'y2', 'y3'],
      ['y0', 'y1'],
    ]);
    logger.flushSync();
    expect(sync).to.deep.equal(['y2', 'y3']);
    gate.forEach((resolve) => resolve());
    await logger.flush();
    expect(logger.writtenCount).to.equal(4);
    expect(logger.pendingCount).to.equal(0);
    expect(logger.batches).to.have.length(2, 'the taken part is not handed over again');
    await logger.close();
  });

  it('flush() waits for the valid events of a batch that also held a malformed one', async () => {
    let release;
    const logger = new RecordingLogger(
      { batchSize: 4, onError: () => {} },
      () => new Promise((resolve) => (release = resolve)),
    );
    logger.record(ev('a'));
    logger.record(spoiled(ev('b'), { timestamp: undefined }));
    logger.record(ev('c'));
    let flushed = false;
    const flushing = logger.flush().then(() => (flushed = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(flushed).to.equal(false, 'a and c are still in flight');
    release();
    await flushing;
    expect(logger.writtenCount).to.equal(2);
    expect(logger.failedCount).to.equal(1);
    await logger.close();
  });
});

describe('FileAuditLogger: poison events', () => {
  let dir;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'audit-poison-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const [what, spoil] of Object.entries(POISONS)) {
    it(`writes the 19 valid lines of a batch with ${what}`, async () => {
      const errors = [];
      const file = join(dir, 'audit.ndjson');
      const logger = new FileAuditLogger(file, {
        batchSize: 20,
        maxRetries: 3,
        retryDelay: 1,
        flushOnExit: false,
        reopenOnSighup: false,
        onError: (err, batch) => errors.push({ err, batch }),
      });
      for (const e of batchWithPoison(spoil)) logger.record(e);
      await logger.close();
      const names = readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line).attributes[0]);
      expect(names).to.deep.equal(VALID);
      expect(logger.writtenCount).to.equal(19);
      expect(logger.failedCount).to.equal(1);
      expect(errors).to.have.length(1);
      expect(errors[0].err.code).to.equal('AUDIT_EVENT_REJECTED');
    });
  }

  it('at exit (flushSync) a malformed event does not cost the others either', () => {
    const file = join(dir, 'exit.ndjson');
    const logger = new FileAuditLogger(file, {
      batchSize: 100,
      flushOnExit: false,
      reopenOnSighup: false,
      onError: () => {},
    });
    for (const e of batchWithPoison(POISONS['a missing timestamp'])) logger.record(e);
    logger.flushSync();
    const names = readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l).attributes[0]);
    expect(names).to.deep.equal(VALID);
    expect(logger.failedCount).to.equal(1);
    expect(logger.writtenCount).to.equal(19);
    return logger.close();
  });
});
