import { StoreTimeoutError, StoreWriteError } from '@audit-events/core';

function chain(err: unknown): Error[] {
  const out: Error[] = [];
  let current: unknown = err;
  while (current instanceof Error && out.length < 8) {
    out.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return out;
}

/** True when the error (or a cause) is the client's request timeout: the ack never came. */
export function isPublishTimeout(err: unknown): boolean {
  return chain(err).some((e) => e.name === 'TimeoutError');
}

/**
 * Errors after which the message is certainly not in the stream: the server answered with a
 * JetStream API error (limits, no stream for the subject), or nobody answered at all (no
 * responders: no stream listens on the subject, or JetStream is down on that server).
 */
export function isCertainRefusal(err: unknown): boolean {
  return chain(err).some(
    (e) =>
      e.name === 'JetStreamApiError' ||
      e.name === 'JetStreamNotEnabled' ||
      e.name === 'NoRespondersError' ||
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
