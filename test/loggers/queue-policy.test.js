// A full queue must not silently drop decisions that denied something while it keeps granted
// noise (issue 16, item 2, asked of the buffered logger): a denied decision evicts the oldest
// queued granted one, and denied decisions that are dropped anyway are counted apart and warned about.
import { expect } from 'chai';
import { configureAuditLogger, emitFailureCount, emitPermissionAuditEvent } from '@audit-events/core';
import { ManualClock, settle } from './manual-clock.js';
import { captureOutput } from '../helpers/output-capture.js';
import { RecordingLogger, deferred, ev, warningsDuring } from './helpers.js';

const granted = (name) => ev(name, { granted: true });
const denied = (name) => ev(name, { granted: false });

function balanced(logger, recorded) {
  expect(logger.writtenCount + logger.failedCount + logger.droppedCount + logger.pendingCount).to.equal(recorded);
}

describe('BufferedAuditLogger: queue policy when full', () => {
  it('a denied decision evicts the oldest queued granted one instead of being dropped', async () => {
    const gate = deferred();
    const clock = new ManualClock();
    const logger = new RecordingLogger({ batchSize: 2, maxQueueSize: 4, scheduler: clock }, () => gate.promise);
    logger.record(granted('g0'));
    logger.record(granted('g1'));
    await settle(); // g0, g1 in flight: they are not in the queue and cannot be evicted
    for (const name of ['g2', 'd3', 'g4', 'g5']) logger.record(name.startsWith('d') ? denied(name) : granted(name));
    const warnings = await warningsDuring('AUDIT_LOGGER_QUEUE_FULL', async () => {
      logger.record(denied('d6')); // evicts g2
      logger.record(denied('d7')); // evicts g4
      logger.record(granted('g8')); // dropped, as before
    });
    expect(warnings).to.have.length(1);
    expect(logger.droppedCount).to.equal(3);
    expect(logger.droppedDeniedCount).to.equal(0);
    balanced(logger, 9);
    gate.resolve();
    await logger.flush();
    expect(logger.batches.flat()).to.deep.equal(['g0', 'g1', 'd3', 'g5', 'd6', 'd7']);
    balanced(logger, 9);
    await logger.close();
  });

  it('with only denied decisions queued, a denied one is dropped, counted in droppedDeniedCount and warned about once', async () => {
    const gate = deferred();
    const clock = new ManualClock();
    const logger = new RecordingLogger({ batchSize: 2, maxQueueSize: 2, scheduler: clock }, () => gate.promise);
    logger.record(denied('d0'));
    logger.record(denied('d1'));
    await settle();
    logger.record(denied('d2'));
    logger.record(denied('d3'));
    const warnings = await warningsDuring(['AUDIT_LOGGER_DENIED_DROPPED', 'AUDIT_LOGGER_QUEUE_FULL'], async () => {
      logger.record(denied('d4'));
      logger.record(denied('d5'));
      logger.record(granted('g6'));
    });
    expect(warnings.map((w) => w.code)).to.deep.equal(['AUDIT_LOGGER_DENIED_DROPPED', 'AUDIT_LOGGER_QUEUE_FULL']);
    expect(warnings[0].message).to.match(/denied/);
    expect(logger.droppedCount).to.equal(3);
    expect(logger.droppedDeniedCount).to.equal(2);
    gate.resolve();
    await logger.flush();
    expect(logger.batches.flat()).to.deep.equal(['d0', 'd1', 'd2', 'd3']);
    balanced(logger, 7);
    await logger.close();
  });

  it('counts denied decisions recorded after close() or lost at exit in droppedDeniedCount', async () => {
    const logger = new RecordingLogger({ batchSize: 10, scheduler: new ManualClock() });
    logger.record(denied('d0'));
    logger.record(granted('g1'));
    const { stderr } = await captureOutput(() => logger.flushSync()); // no handleBatchSync: both lost
    expect(stderr).to.match(/^audit-events: RecordingLogger lost 2 permission audit events?/);
    expect(logger.droppedCount).to.equal(2);
    expect(logger.droppedDeniedCount).to.equal(1);
    await logger.close();
    const warnings = await warningsDuring(['AUDIT_LOGGER_CLOSED', 'AUDIT_LOGGER_DENIED_DROPPED'], () =>
      logger.record(denied('d2')),
    );
    expect(warnings.map((w) => w.code).sort()).to.deep.equal(['AUDIT_LOGGER_CLOSED', 'AUDIT_LOGGER_DENIED_DROPPED']);
    expect(logger.droppedDeniedCount).to.equal(2);
  });

  it('emitPermissionAuditEvent builds no decision a full or closed logger would drop, and counts it the same', async () => {
    const gate = deferred();
    const logger = new RecordingLogger(
      { batchSize: 2, maxQueueSize: 2, scheduler: new ManualClock() },
      () => gate.promise,
    );
    await configureAuditLogger(logger, { closePrevious: false });
    // An init whose fields count their reads: building the event reads `action`.
    let built = 0;
    const init = (name, granted) => ({
      granted,
      get action() {
        built++;
        return 'update';
      },
      attributes: [name],
      manager: 'Doc',
    });
    try {
      for (const name of ['g0', 'g1']) emitPermissionAuditEvent(() => init(name, true));
      await settle(); // g0, g1 in flight
      for (const name of ['g2', 'g3']) emitPermissionAuditEvent(() => init(name, true));
      expect(built).to.equal(4);
      const failuresBefore = emitFailureCount();
      await warningsDuring(['AUDIT_LOGGER_QUEUE_FULL', 'AUDIT_LOGGER_DENIED_DROPPED'], () => {
        emitPermissionAuditEvent(() => init('g4', true)); // full: dropped unbuilt
        // A malformed decision on a full queue is a drop, not an emit failure: it is never built.
        emitPermissionAuditEvent(() => ({ granted: true, action: 'not-an-action' }));
        emitPermissionAuditEvent(() => init('d5', false)); // built: evicts g2
        emitPermissionAuditEvent(() => init('d6', false)); // built: evicts g3
        emitPermissionAuditEvent(() => init('d7', false)); // only denials queued: dropped unbuilt
      });
      expect(built).to.equal(6);
      expect(emitFailureCount()).to.equal(failuresBefore);
      expect(logger.droppedCount).to.equal(5);
      expect(logger.droppedDeniedCount).to.equal(1);
      gate.resolve();
      await logger.flush();
      expect(logger.batches.flat()).to.deep.equal(['g0', 'g1', 'd5', 'd6']);
      balanced(logger, 9);
      await logger.close();
      await warningsDuring(['AUDIT_LOGGER_CLOSED', 'AUDIT_LOGGER_DENIED_DROPPED'], () =>
        emitPermissionAuditEvent(() => init('d8', false)),
      );
      expect(built).to.equal(6);
      expect(logger.droppedCount).to.equal(6);
      expect(logger.droppedDeniedCount).to.equal(2);
    } finally {
      await configureAuditLogger(null, { closePrevious: false });
    }
  });

  it('a flood of denied decisions on a full queue stays cheap (no rescans of an all-denied queue)', async () => {
    const gate = deferred();
    const logger = new RecordingLogger({ batchSize: 100, maxQueueSize: 10_000, onError: () => {} }, () => gate.promise);
    const events = Array.from({ length: 10_200 }, (_, i) => denied(`d${i}`));
    const filling = await warningsDuring(['AUDIT_LOGGER_QUEUE_FULL', 'AUDIT_LOGGER_DENIED_DROPPED'], () => {
      for (const e of events.slice(0, 10_100)) logger.record(e);
    });
    expect(filling.map((w) => w.code).sort()).to.deep.equal(['AUDIT_LOGGER_DENIED_DROPPED', 'AUDIT_LOGGER_QUEUE_FULL']);
    await settle();
    await warningsDuring('AUDIT_LOGGER_DENIED_DROPPED', async () => {
      const started = process.hrtime.bigint();
      for (let i = 0; i < 20_000; i++) logger.record(events[10_100 + (i % 100)]);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      expect(ms).to.be.below(200);
    });
    expect(logger.droppedDeniedCount).to.equal(20_000);
    gate.resolve();
    await logger.close();
  });
});
