import { StoreTimeoutError, StoreWriteError } from '@audit-events/core';

/** No ack within the timeout: the message may or may not be in the stream. */
export class AckTimeoutError extends Error {
  override readonly name = 'AckTimeoutError';
  constructor(timeoutMs: number) {
    super(`no ack from the stream within ${timeoutMs} ms`);
  }
}

/** The stream answered with an error (limits, expected stream does not match): not stored. */
export class StreamRefusedError extends Error {
  override readonly name = 'StreamRefusedError';
  /** JetStream's own error code (e.g. 10060: expected stream does not match). */
  readonly errCode: number | undefined;
  constructor(description: string, errCode: number | undefined) {
    super(`the stream refused the message: ${description}${errCode === undefined ? '' : ` (err_code ${errCode})`}`);
    this.errCode = errCode;
  }
}

/** Nobody answered (503 no responders): no stream listens on the subject. Not stored. */
export class NoStreamError extends Error {
  override readonly name = 'NoStreamError';
  constructor() {
    super('no stream listens on the subject (no responders)');
  }
}

/** The ack could not come back or be read (connection closed, subscription refused, odd answer). */
export class AckConnectionError extends Error {
  override readonly name = 'AckConnectionError';
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

function chain(err: unknown): Error[] {
  const out: Error[] = [];
  let current: unknown = err;
  while (current instanceof Error && out.length < 8) {
    out.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return out;
}

/** True when the error (or a cause) is an ack that never came. */
export function isPublishTimeout(err: unknown): boolean {
  return chain(err).some((e) => e instanceof AckTimeoutError);
}

/**
 * Errors after which the message is certainly not in the stream: the stream answered with an
 * error (limits, another stream takes the subject), nobody answered at all (no stream listens on
 * the subject, or JetStream is down on that server), or the client refused to send it (a subject
 * or size it cannot publish).
 */
export function isCertainRefusal(err: unknown): boolean {
  return chain(err).some(
    (e) =>
      e instanceof StreamRefusedError ||
      e instanceof NoStreamError ||
      e.name === 'InvalidSubjectError' ||
      e.name === 'InvalidArgumentError' ||
      /max(imum)? payload/i.test(e.message),
  );
}

/**
 * The store's error for a failed save(): StoreTimeoutError when no ack came within the timeout
 * (outcome unknown, as with the SQL store), StoreWriteError otherwise; `outcomeUnknown` when some
 * of the events were acknowledged or the connection failed after sending. Re-saving the same
 * events is safe within the stream's duplicate window: their message ids make JetStream drop copies.
 */
export function publishFailure(err: unknown, total: number, acked: number, timeoutMs: number): Error {
  const first = err instanceof Error ? err.message : String(err);
  if (acked === 0 && isPublishTimeout(err)) {
    return new StoreTimeoutError(
      `JetStream did not acknowledge ${total} audit event(s) within ${timeoutMs} ms; they may or may not be in the stream ` +
        '(saving the same events again is safe within the duplicate window)',
    );
  }
  const unknown = acked > 0 || !isCertainRefusal(err);
  const head =
    acked > 0
      ? `${acked} of ${total} audit event(s) were acknowledged, the others failed`
      : `None of ${total} audit event(s) was acknowledged`;
  return new StoreWriteError(`${head}: ${first}`, total, { cause: err, outcomeUnknown: unknown });
}
