// closeAuditing(): the last step of the graceful shutdown the README shows (and server.mjs runs).
import { expect } from 'chai';
import {
  BufferedAuditLogger,
  closeAuditing,
  configureAuditLogger,
  configureEventStore,
  createPermissionAuditEvent,
  emitPermissionAuditEvent,
  MemoryAuditLogger,
  MemoryEventStore,
  ShutdownError,
} from '@audit-events/core';
import { captureOutput } from '../helpers/output-capture.js';

/** A store/logger pair that logs the order in which they are closed. */
function recorder(order) {
  class Store extends MemoryEventStore {
    constructor(name) {
      super();
      this.name = name;
    }
    async close() {
      await new Promise((resolve) => setTimeout(resolve, 5));
      order.push(`store ${this.name}`);
      return super.close();
    }
  }
  class Logger extends MemoryAuditLogger {
    constructor(name) {
      super();
      this.name = name;
    }
    async close() {
      order.push(`logger ${this.name}`);
    }
  }
  return { Store, Logger };
}

describe('reliability: closeAuditing()', () => {
  afterEach(async () => {
    configureEventStore(null);
    await configureAuditLogger(null, { closePrevious: false });
  });

  it('closes the configured and the given stores first, then the loggers, each once', async () => {
    const order = [];
    const { Store, Logger } = recorder(order);
    const configured = new Store('configured');
    const other = new Store('middleware');
    const logger = new Logger('configured');
    configureEventStore(configured);
    await configureAuditLogger(logger);
    await closeAuditing({ stores: [other, configured], loggers: [logger] });
    expect(order.slice(0, 2).sort()).to.deep.equal(['store configured', 'store middleware']);
    expect(order.slice(2)).to.deep.equal(['logger configured']);
    // Later writes are refused and counted, never silently ignored.
    const err = await configured.save([]).then(
      () => null,
      (e) => e,
    );
    expect(err?.code).to.equal('AUDIT_STORE_CLOSED');
  });

  it('flushes what a buffered logger still holds, however long its flush interval', async () => {
    const written = [];
    class SlowSink extends BufferedAuditLogger {
      async handleBatch(events) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        written.push(...events);
      }
    }
    const logger = new SlowSink({ flushInterval: 60_000, flushOnExit: false });
    await configureAuditLogger(logger);
    for (let i = 0; i < 3; i++) emitPermissionAuditEvent(createPermissionAuditEvent({ action: 'read', granted: true }));
    expect(written).to.have.length(0);
    await closeAuditing();
    expect(written).to.have.length(3);
    expect(logger.closed).to.equal(true);
  });

  it('a store that hangs or fails is reported (AUDIT_SHUTDOWN_INCOMPLETE) after the timeout, and the loggers are still closed', async () => {
    const order = [];
    const { Logger } = recorder(order);
    const hanging = {
      save: async () => {},
      find: async () => ({ events: [], nextCursor: null }),
      close: () => new Promise(() => {}),
    };
    const failing = { save: async () => {}, close: async () => Promise.reject(new Error('disk full')) };
    const err = await closeAuditing({ stores: [hanging, failing], loggers: [new Logger('a')], timeoutMs: 50 }).then(
      () => null,
      (e) => e,
    );
    expect(err).to.be.instanceOf(ShutdownError);
    expect(err.code).to.equal('AUDIT_SHUTDOWN_INCOMPLETE');
    expect(err.failures.map((f) => f.what)).to.deep.equal(['store 1 (Object)', 'store 0 (Object)']);
    expect(err.message)
      .to.match(/disk full/)
      .and.to.match(/did not finish within 50 ms/);
    expect(order).to.deep.equal(['logger a']);
  });

  it('with nothing configured, does nothing: resolves at once, closes no other store, warns about nothing', async () => {
    const bystander = new MemoryEventStore();
    const started = performance.now();
    const { result, warnings, console: printed } = await captureOutput(() => closeAuditing({ timeoutMs: 10_000 }));
    expect(result).to.equal(undefined);
    expect(performance.now() - started).to.be.below(1000); // did not wait for anything
    expect(warnings).to.deep.equal([]);
    expect(printed).to.deep.equal([]);
    // A store neither configured nor given is left open: it still accepts writes.
    await bystander.save([]);
    expect(bystander.saveCalls).to.equal(1);
  });
});
