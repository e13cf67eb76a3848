// BufferedAuditLogger as a processor around an exporter (OpenTelemetry's BatchSpanProcessor +
// SpanExporter shape): the exporter only sends one batch; queueing, retries, timeouts, exit
// flushing and shutdown ordering are the logger's.
import { expect } from 'chai';
import { BufferedAuditLogger, ConfigurationError, EventRejectedError, StoreWriteError } from '@audit-events/core';
import { ManualClock, settle } from './manual-clock.js';
import { ev } from './helpers.js';
import { captureOutput } from '../helpers/output-capture.js';

/** An exporter that records batches; `fail` decides the outcome of call n (1-based). */
function recordingExporter(fail = () => undefined) {
  const exporter = {
    batches: [],
    syncBatches: [],
    shutdowns: 0,
    export(events, context) {
      exporter.batches.push({ names: events.map((e) => e.attributes[0]), attempt: context.attempt });
      return fail(exporter.batches.length, events, context);
    },
    exportSync(events) {
      exporter.syncBatches.push(events.map((e) => e.attributes[0]));
    },
    shutdown() {
      exporter.shutdowns++;
    },
  };
  return exporter;
}

describe('BufferedAuditLogger with an exporter', () => {
  let clock;
  beforeEach(() => {
    clock = new ManualClock();
  });

  it('batches to exporter.export() by size and by flushInterval', async () => {
    const exporter = recordingExporter();
    const logger = new BufferedAuditLogger(exporter, { batchSize: 2, scheduler: clock, flushOnExit: false });
    for (const name of ['a', 'b', 'c']) logger.record(ev(name));
    await settle();
    expect(exporter.batches.map((b) => b.names)).to.deep.equal([['a', 'b']]);
    await clock.advance(500);
    expect(exporter.batches.map((b) => b.names)).to.deep.equal([['a', 'b'], ['c']]);
    expect(logger.writtenCount).to.equal(3);
  });

  it('retries a failing export with backoff on the scheduler, then reports a typed error with the lost events', async () => {
    const errors = [];
    const exporter = recordingExporter(() => Promise.reject(new Error('broker down')));
    const logger = new BufferedAuditLogger(exporter, {
      scheduler: clock,
      flushOnExit: false,
      maxRetries: 2,
      retryDelay: 100,
      onError: (err, lost) => errors.push({ err, lost: lost.map((e) => e.attributes[0]) }),
    });
    logger.record(ev('a'));
    const flushed = logger.flush();
    await settle();
    expect(exporter.batches.map((b) => b.attempt)).to.deep.equal([0]);
    await clock.advance(100);
    expect(exporter.batches.map((b) => b.attempt)).to.deep.equal([0, 1]);
    await clock.advance(200);
    await flushed;
    expect(exporter.batches.map((b) => b.attempt)).to.deep.equal([0, 1, 2]);
    expect(errors).to.have.length(1);
    expect(errors[0].err).to.be.instanceOf(StoreWriteError);
    expect(errors[0].err.message).to.include('broker down');
    expect(errors[0].lost).to.deep.equal(['a']);
    expect(logger.failedCount).to.equal(1);
  });

  it('an export refusing one event (EventRejectedError naming it) loses only that event', async () => {
    const errors = [];
    const exporter = recordingExporter((_n, events) => {
      const bad = events.find((e) => e.attributes[0] === 'bad');
      if (bad) throw new EventRejectedError('too large', { event: bad });
    });
    const logger = new BufferedAuditLogger(exporter, {
      scheduler: clock,
      flushOnExit: false,
      onError: (err) => errors.push(err),
    });
    for (const name of ['a', 'bad', 'c']) logger.record(ev(name));
    await logger.flush();
    expect(exporter.batches.map((b) => b.names)).to.deep.equal([
      ['a', 'bad', 'c'],
      ['a', 'c'],
    ]);
    expect(logger.rejectedCount).to.equal(1);
    expect(logger.writtenCount).to.equal(2);
    expect(errors.map((e) => e.code)).to.deep.equal(['AUDIT_EVENT_REJECTED']);
  });

  it('flushSync() uses exporter.exportSync(); close() flushes, then calls shutdown() once', async () => {
    const exporter = recordingExporter();
    const logger = new BufferedAuditLogger(exporter, { scheduler: clock, flushOnExit: false });
    logger.record(ev('a'));
    logger.flushSync();
    expect(exporter.syncBatches).to.deep.equal([['a']]);
    logger.record(ev('b'));
    await Promise.all([logger.close(), logger.close()]);
    expect(exporter.batches.map((b) => b.names)).to.deep.equal([['b']]);
    expect(exporter.shutdowns).to.equal(1);
  });

  it('without exportSync, events still queued at exit are counted as dropped and reported on stderr', async () => {
    const exporter = { export() {} };
    const logger = new BufferedAuditLogger(exporter, { scheduler: clock, flushOnExit: false });
    logger.record(ev('a'));
    const { stderr } = await captureOutput(() => logger.flushSync());
    expect(logger.droppedCount).to.equal(1);
    expect(stderr).to.include('lost 1 permission audit event');
  });

  it('a BufferedAuditLogger with neither an exporter nor a handleBatch() is a ConfigurationError', () => {
    expect(() => new BufferedAuditLogger({ batchSize: 10 })).to.throw(ConfigurationError, /exporter/);
    expect(() => new BufferedAuditLogger()).to.throw(ConfigurationError, /exporter/);
  });
});
