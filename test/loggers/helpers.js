import { warningsDuring as captureWarnings } from '../helpers/output-capture.js';
import { BufferedAuditLogger, createPermissionAuditEvent } from '@audit-events/core';

/** An event whose only attribute is `name`, so batches read as lists of names. */
export function ev(name, overrides = {}) {
  return createPermissionAuditEvent({
    action: 'update',
    granted: true,
    attributes: [name],
    manager: 'Doc',
    ...overrides,
  });
}

export function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * A BufferedAuditLogger that records what it was handed. `handler(events, context)` decides the
 * outcome of each call (return a promise, throw, or nothing).
 */
export class RecordingLogger extends BufferedAuditLogger {
  constructor(options = {}, handler = undefined) {
    super({ flushOnExit: false, ...options });
    this.calls = [];
    this.handler = handler;
  }

  handleBatch(events, context) {
    this.calls.push({ names: events.map((e) => e.attributes[0]), context });
    return this.handler ? this.handler(events, context, this.calls.length) : undefined;
  }

  get batches() {
    return this.calls.map((c) => c.names);
  }
}

/** Collects process warnings with the given code while `fn` runs (warnings are emitted on nextTick). */
export async function warningsDuring(code, fn) {
  // Captured, not printed: the test asserts them (test/helpers/output-capture.js).
  return captureWarnings(code, fn);
}
