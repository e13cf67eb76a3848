import type { Scheduler } from './scheduler.js';

/** How one export attempt ended. */
export type AttemptOutcome = { kind: 'ok' } | { kind: 'error'; error: unknown } | { kind: 'timeout' };

/**
 * Waits for `pending` at most `ms` on the logger's scheduler; on expiry calls `onTimeout` (which
 * aborts the attempt) and resolves 'timeout'. Never rejects.
 */
export function awaitAttempt(
  pending: Promise<void>,
  scheduler: Scheduler,
  ms: number,
  onTimeout: () => void,
): Promise<AttemptOutcome> {
  return new Promise<AttemptOutcome>((resolve) => {
    const handle = scheduler.setTimeout(() => {
      onTimeout();
      resolve({ kind: 'timeout' });
    }, ms);
    pending.then(
      () => {
        scheduler.clearTimeout(handle);
        resolve({ kind: 'ok' });
      },
      (error: unknown) => {
        scheduler.clearTimeout(handle);
        resolve({ kind: 'error', error });
      },
    );
  });
}

/** Exponential backoff before retry `attempt` (1, 2, …): retryDelay doubled, capped at maxRetryDelay. */
export function backoffDelay(attempt: number, retryDelay: number, maxRetryDelay: number): number {
  return Math.min(retryDelay * 2 ** (attempt - 1), maxRetryDelay);
}

export function sleep(scheduler: Scheduler, ms: number): Promise<void> {
  return new Promise((resolve) => {
    scheduler.setTimeout(resolve, ms);
  });
}

export function isThenable(value: unknown): value is Promise<void> {
  return value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';
}
